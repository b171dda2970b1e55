"""Any entity's records as JSON: list and read; create, change and archive where writable.

Lists are ordered by id and paged by a signed cursor (``next``); any readable
column of a scalar type filters by equality (``?state=new``). A parameter the
list does not know is refused, so a typo is not silently a wider query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core.contract import ActionRefused, FieldErrors
from core.forms import row_id
from core.record_forms import ApiValues, api_values
from plugins.api import _, actions, cursor, writing
from plugins.api.access import Refused, authenticate, resource_for
from plugins.api.problems import problem
from plugins.api.resources import Resource
from plugins.api.tokens import READ, WRITE

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PAGING = frozenset({"limit", "cursor"})


def _json(body: Any) -> Response:
    return Response(json_body=body, content_type="application/json", charset="utf-8")


def answers_problems(view: Callable[[Any], Response]) -> Callable[[Any], Response]:
    """A view that raises what it refuses; the caller gets the problem+json answer."""

    @functools.wraps(view)
    def answer(request: Any) -> Response:
        try:
            return view(request)
        except Refused as refused:
            return refused.response
        except writing.BodyRefused as refused:
            return problem(request, refused.status, refused.detail)
        except FieldErrors as refused:
            return problem(request, 422, errors=refused.errors)
        except ActionRefused as refused:
            errors = {refused.field: refused.message} if refused.field else None
            return problem(request, refused.status, refused.message, errors=errors)

    return answer


@view_config(route_name="api_records", request_method="GET", require_csrf=False)
@answers_problems
def list_records(request: Any) -> Response:
    access = authenticate(request)
    resource = resource_for(request, access, READ)
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
    extensions = _extensions(request, resource)
    return _json({"data": [_dump(resource, extensions, r) for r in page], "next": following})


@view_config(route_name="api_record", request_method="GET", require_csrf=False)
@answers_problems
def read_record(request: Any) -> Response:
    access = authenticate(request)
    resource = resource_for(request, access, READ)
    return _json(_dump(resource, _extensions(request, resource), _record(request, resource)))


def _extensions(request: Any, resource: Resource) -> dict[str, ApiValues]:
    """The objects enabled plugins add to the resource's records (custom fields), by key."""
    return {values.key: values for values in api_values(request, resource.entity)}


def _dump(resource: Resource, extensions: dict[str, ApiValues], record: Any) -> dict[str, Any]:
    dumped = resource.dump(record)
    for key, values in extensions.items():
        if values.read is not None:
            dumped[key] = values.read(record)
    return dumped


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


@view_config(route_name="api_records_create", request_method="POST", require_csrf=False)
@answers_problems
def create_record(request: Any) -> Response:
    access = authenticate(request)
    resource = resource_for(request, access, WRITE)
    body = writing.read_body(request)
    extensions = _extensions(request, resource)
    values, extra = writing.check(
        request.db, access.caller.tenant, resource, body, creating=True, extensions=extensions
    )
    with request.db.begin_nested():
        record = writing.save(request, resource, None, values)
        writing.save_extensions(request, extensions, record, extra, created=True)
    response = _json(_dump(resource, extensions, record))
    response.status_int = 201
    response.location = request.route_url(
        "api_record", slug=access.caller.tenant.slug, resource=resource.path, id=record.id
    )
    return response


@view_config(route_name="api_record_write", request_method="PATCH", require_csrf=False)
@answers_problems
def update_record(request: Any) -> Response:
    access = authenticate(request)
    resource = resource_for(request, access, WRITE)
    record = _record(request, resource)
    body = writing.read_body(request)
    _check_version(request, resource, record, body)
    extensions = _extensions(request, resource)
    values, extra = writing.check(
        request.db,
        access.caller.tenant,
        resource,
        body,
        creating=False,
        extensions=extensions,
        record=record,
    )
    with request.db.begin_nested():
        record = writing.save(request, resource, record, values)
        writing.save_extensions(request, extensions, record, extra, created=False)
    return _json(_dump(resource, extensions, record))


@view_config(route_name="api_record_write", request_method="DELETE", require_csrf=False)
@answers_problems
def archive_record(request: Any) -> Response:
    """Archive: the record is kept, marked archived, and left out of the UI's lists.

    An ``If-Match`` header with the version read makes a stale archive a 409, as a
    stale change is.
    """
    access = authenticate(request)
    resource = resource_for(request, access, WRITE)
    record = _record(request, resource)
    if not resource.archivable:
        return problem(
            request,
            405,
            _("Records of this kind cannot be archived."),
            headers={"Allow": "GET, PATCH"},
        )
    if resource.field(writing.VERSION) is not None and request.headers.get("If-Match"):
        _check_version(request, resource, record, {})
    with request.db.begin_nested():
        writing.archive(request, resource, record)
    return _json(_dump(resource, _extensions(request, resource), record))


def _record(request: Any, resource: Any) -> Any:
    record_id = row_id(request.matchdict["id"])
    record = None
    if record_id is not None:
        record = request.db.scalar(select(resource.model).where(resource.model.id == record_id))
    if record is None:
        raise Refused(problem(request, 404))
    return record


def _check_version(request: Any, resource: Any, record: Any, body: dict[str, Any]) -> None:
    """A record with a version is changed only by one who read its current version."""
    if resource.field(writing.VERSION) is None:
        return
    given = body.get(writing.VERSION, request.headers.get("If-Match", "").strip('"') or None)
    if given is None:
        raise FieldErrors({writing.VERSION: _("Give the version you read.")})
    if isinstance(given, str) and given.isdigit():
        given = int(given)
    if given != record.version:
        raise Refused(
            problem(
                request,
                409,
                _("Someone changed the record after you read it. Read it again and retry."),
            )
        )


@view_config(route_name="api_record_action", request_method="POST", require_csrf=False)
@answers_problems
def record_action(request: Any) -> Response:
    """``POST …/<resource>/{id}/<action>``: an owner's action on one record."""
    access = authenticate(request)
    resource = resource_for(request, access, READ)
    hooks = request.registry.myynti_plugins.hooks_for(access.enabled)
    action = actions.actions_of(hooks).get((resource.name, request.matchdict["action"]))
    if action is None:
        raise Refused(problem(request, 404))
    if not access.caller.may(resource.plugin, WRITE):
        raise Refused(problem(request, 403, _("The token's scopes do not allow this.")))
    record = _record(request, resource)
    body = writing.read_body(request)
    actions.check_body(action, body)
    if not request.has_permission(action.permission):
        raise Refused(problem(request, 403, _("The user's role does not allow this.")))
    with request.db.begin_nested():
        result = action.run(request, record, body)
    return _json(result)
