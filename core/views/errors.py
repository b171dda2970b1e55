"""Friendly 403, 404 and error pages; an anonymous visitor is sent to log in instead."""

from __future__ import annotations

import logging
from typing import Any

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from core.i18n import _
from core.input_guard import InputRefused

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


@exception_view_config(BadCSRFToken)
def bad_csrf_token(request: Any) -> Any:
    """A missing or forged CSRF token: 400, and pyramid_tm has aborted any change."""
    return _error_page(
        request,
        400,
        _("The form could not be sent"),
        _(
            "The page had expired or the form did not come from this site. Go back, "
            "reload the page and try again."
        ),
    )


@exception_view_config(UnicodeDecodeError)
def undecodable_input(exc: UnicodeDecodeError, request: Any) -> Any:
    """An address or form that is not UTF-8 (``/%ff``, ``?q=%ff``): 400, not an error of ours.

    Pyramid raises ``URLDecodeError`` for the path and WebOb a plain
    ``UnicodeDecodeError`` for the query or form; the plain page shows no path.
    """
    log.warning("undecodable input on %s %r", request.method, request.environ.get("PATH_INFO"))
    return _plain_page(
        request,
        400,
        _("The address is not valid"),
        _("Check the address of the page, or start again from the front page."),
    )


@exception_view_config(InputRefused)
def refused_input(request: Any) -> Any:
    """A NUL byte, an unreadable form body, JSON nested too deep (``core.input_guard``)."""
    log.warning("refused input on %s %r", request.method, request.environ.get("PATH_INFO"))
    return _plain_page(
        request,
        400,
        _("The request could not be read"),
        _("It contained characters or a form that cannot be used. Go back and try again."),
    )


@exception_view_config(Exception)
def server_error(exc: Exception, request: Any) -> Any:
    """A plain page: the layout itself may be what failed. pyramid_tm aborts the change."""
    # The raw PATH_INFO, since decoding the path may be what failed.
    log.exception("error on %s %r", request.method, request.environ.get("PATH_INFO", ""))
    return _plain_page(
        request,
        500,
        _("Something went wrong"),
        _("The error has been logged. Please try again in a moment."),
    )


def _plain_page(request: Any, status: int, title: str, explanation: str) -> Any:
    response = render_to_response(
        "core:templates/error_plain.pt",
        {
            "title": request.localizer.translate(title),
            "explanation": request.localizer.translate(explanation),
        },
        request=request,
    )
    response.status_int = status
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
