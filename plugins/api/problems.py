"""Errors as RFC 9457 problem details (``application/problem+json``), in the caller's language.

A field's error names the field; nothing ever carries a stack trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.response import Response

from plugins.api import _

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: _("The request is not valid"),
    401: _("A valid API token is needed"),
    403: _("The token does not allow this"),
    404: _("Not found"),
    405: _("The method is not allowed here"),
    409: _("The record has changed since it was read"),
    413: _("The request is too large"),
    415: _("The body must be JSON"),
    422: _("Check the fields"),
    429: _("Too many requests"),
    500: _("Something went wrong"),
}


def problem(
    request: Any,
    status: int,
    detail: Any = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem response; ``errors`` maps a field to its message."""
    translate = request.localizer.translate
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": translate(TITLES.get(status, TITLES[400])),
        "status": status,
    }
    if detail is not None:
        body["detail"] = translate(detail)
    if errors:
        body["errors"] = [
            {"field": field, "message": translate(message)} for field, message in errors.items()
        ]
    response = Response(status=status, charset="utf-8", json_body=body)
    response.content_type = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
