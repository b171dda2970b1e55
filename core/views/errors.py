"""Friendly 403, 404 and error pages; an anonymous visitor is sent to log in instead."""

from __future__ import annotations

import logging
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from core.i18n import _

log = logging.getLogger(__name__)


@notfound_view_config(append_slash=HTTPSeeOther)
def not_found(request: Any) -> Any:
    return _error_page(
        request,
        404,
        _("Page not found"),
        _("The page does not exist, or you do not have access to it."),
    )


@forbidden_view_config()
def forbidden(request: Any) -> Any:
    if request.user is None:
        return HTTPSeeOther(request.route_url("login", _query={"came_from": request.path_qs}))
    return _error_page(
        request, 403, _("No permission"), _("Your role does not allow this. Ask your admin.")
    )


@exception_view_config(Exception)
def server_error(exc: Exception, request: Any) -> Any:
    """A plain page: the layout itself may be what failed. pyramid_tm aborts the change."""
    log.exception("error on %s %s", request.method, request.path)
    response = render_to_response(
        "core:templates/error_plain.pt",
        {
            "title": request.localizer.translate(_("Something went wrong")),
            "explanation": request.localizer.translate(
                _("The error has been logged. Please try again in a moment.")
            ),
        },
        request=request,
    )
    response.status_int = 500
    return response


def _error_page(request: Any, status: int, title: str, explanation: str) -> Any:
    response = render_to_response(
        "core:templates/error.pt",
        {
            "title": request.localizer.translate(title),
            "explanation": request.localizer.translate(explanation),
        },
        request=request,
    )
    response.status_int = status
    return response
