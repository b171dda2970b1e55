"""``GET /api/v1/t/{tenant}/<resource>`` and ``…/<resource>/{id}``: any entity's records as JSON.

Lists are ordered by id and paged by a signed cursor (``next``); any readable
column of a scalar type filters by equality (``?state=new``). A parameter the
list does not know is refused, so a typo is not silently a wider query.
"""

from __future__ import annotations

from typing import Any

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core.forms import row_id
from plugins.api import _, cursor
from plugins.api.access import Refused, authenticate, resource_for
from plugins.api.problems import problem
from plugins.api.tokens import READ

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PAGING = frozenset({"limit", "cursor"})


@view_config(route_name="api_records", request_method="GET", require_csrf=False)
def list_records(request: Any) -> Response:
    try:
        access = authenticate(request)
        resource = resource_for(request, access, READ)
    except Refused as refused:
        return refused.response
    errors: dict[str, Any] = {}
    conditions = []
    for name, text in request.GET.items():
        if name in PAGING:
            continue
        field = resource.field(name)
        if field is None or not field.filterable:
            errors[name] = _("No such filter.")
            continue
        try:
            conditions.append(getattr(resource.model, name) == field.parse_filter(text))
        except ValueError:
            errors[name] = _("Not a valid value for this field.")
    limit = _limit(request.GET.get("limit"), errors)
    scope = _scope_without_cursor(access, resource.path, request)
    after = 0
    if "cursor" in request.GET:
        try:
            after = cursor.read(_secret(request), scope, request.GET["cursor"])
        except cursor.CursorError:
            errors["cursor"] = _("The cursor is not valid for this list.")
    if errors:
        return problem(request, 400, errors=errors)
    records = request.db.scalars(
        select(resource.model)
        .where(resource.model.id > after, *conditions)
        .order_by(resource.model.id)
        .limit(limit + 1)
    ).all()
    page = records[:limit]
    following = cursor.make(_secret(request), scope, page[-1].id) if len(records) > limit else None
    return _json({"data": [resource.dump(r) for r in page], "next": following})


@view_config(route_name="api_record", request_method="GET", require_csrf=False)
def read_record(request: Any) -> Response:
    try:
        access = authenticate(request)
        resource = resource_for(request, access, READ)
    except Refused as refused:
        return refused.response
    record_id = row_id(request.matchdict["id"])
    record = None
    if record_id is not None:
        record = request.db.scalar(select(resource.model).where(resource.model.id == record_id))
    if record is None:
        return problem(request, 404)
    return _json(resource.dump(record))


def _limit(text: str | None, errors: dict[str, Any]) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if text.isdigit() and 1 <= int(text) <= MAX_LIMIT:
        return int(text)
    errors["limit"] = _("Give a number from 1 to 200.")
    return DEFAULT_LIMIT


def _scope_without_cursor(access: Any, path: str, request: Any) -> str:
    """What a cursor is bound to: the tenant, the resource and the filters (not the limit)."""
    filters = sorted((k, v) for k, v in request.GET.items() if k not in PAGING)
    return f"{access.caller.tenant.id}:{path}:{filters}"


def _secret(request: Any) -> str:
    return request.registry.settings["myynti.secret"]


def _json(body: Any) -> Response:
    return Response(json_body=body, content_type="application/json", charset="utf-8")
