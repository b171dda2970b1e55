"""Input no view can use is refused before any view sees it: a 4xx, never a 500.

A NUL byte (PostgreSQL text cannot hold one), a form body that cannot be parsed,
JSON nested past what a parser survives, an id in the path too large for the
database's integer keys: each is answered here, once for every view, so a view
written tomorrow by a partner cannot turn such input into a server error.
"""

from __future__ import annotations

import json
from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound

from core.forms import row_id

#: JSON deeper than this is refused; no record of ours nests more than a few levels.
MAX_JSON_DEPTH = 32


class InputRefused(HTTPBadRequest):
    """A request whose query, form or body cannot be read; rendered as a plain 400 page."""


def is_id_key(key: str) -> bool:
    """A path placeholder that holds a row id: ``id`` or ``<something>_id``."""
    return key == "id" or key.endswith("_id")


def input_guard(view: Any, info: Any) -> Any:
    """View deriver: check the path's ids and text, the query and the body, then call the view."""
    if info.exception_only:
        return view

    def guarded(context: Any, request: Any) -> Any:
        for key, value in (request.matchdict or {}).items():
            if not isinstance(value, str):
                continue
            if "\x00" in value or (is_id_key(key) and row_id(value) is None):
                raise HTTPNotFound()
        refuse_unreadable(request)
        return view(context, request)

    return guarded


def refuse_unreadable(request: Any) -> None:
    """Raise ``InputRefused`` when the query string or the body cannot be used."""
    try:
        fields = list(request.GET.items())
        if request.method in {"POST", "PUT", "PATCH"}:
            if request.content_type == "application/json":
                _check_json(request.body)
            else:
                fields += [item for item in request.POST.items() if isinstance(item[1], str)]
    except UnicodeDecodeError:
        raise  # answered as an undecodable address (core.views.errors)
    except ValueError as exc:  # a multipart body without a boundary, and the like
        raise InputRefused() from exc
    if any("\x00" in key or "\x00" in value for key, value in fields):
        raise InputRefused()


def _check_json(body: bytes) -> None:
    if not body:
        return
    try:
        document = json.loads(body)
    except RecursionError as exc:
        raise InputRefused() from exc
    except ValueError:
        return  # the view answers malformed JSON in its own words
    if not _usable(document, MAX_JSON_DEPTH):
        raise InputRefused()


def _usable(value: Any, depth_left: int) -> bool:
    """No deeper than ``depth_left`` levels and no NUL in any key or text."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict | list):
        if depth_left == 0:
            return False
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        return all(_usable(item, depth_left - 1) for item in items)
    return True
