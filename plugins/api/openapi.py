"""The OpenAPI 3.1 document of the API, generated from the installed plugins' entities.

One document for the installation: a tenant sees the resources of the plugins
it has enabled; the others answer 404 for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.contract import RecordAction
from core.record_forms import ApiValues
from plugins.api.resources import Resource
from plugins.api.views.records import DEFAULT_LIMIT, MAX_LIMIT
from plugins.api.writing import VERSION, required_fields, writable_fields

PROBLEM = {"$ref": "#/components/schemas/Problem"}
ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (*ERRORS, 413, 415, 422)


def document(
    resources: dict[str, Resource],
    version: str,
    actions: Iterable[RecordAction] = (),
    values: Mapping[str, Sequence[ApiValues]] | None = None,
) -> dict[str, Any]:
    """The document of ``resources``; ``values`` are the objects plugins add to an
    entity's records (custom fields), by entity name."""
    values = values or {}
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Problem": _problem_schema()}
    for path, resource in sorted(resources.items()):
        schema_name = _schema_name(resource)
        extra = {v.key: dict(v.schema) for v in values.get(resource.name, ())}
        schemas[schema_name] = {
            "type": "object",
            "properties": {**{f.name: f.schema for f in resource.fields}, **extra},
            "required": [f.name for f in resource.fields],
            "additionalProperties": False,
        }
        ref = {"$ref": f"#/components/schemas/{schema_name}"}
        tag = resource.plugin
        paths[f"/api/v1/t/{{tenant}}/{path}"] = {
            "get": {
                "operationId": f"list_{resource.name}",
                "summary": f"List {resource.name} records",
                "tags": [tag],
                "security": [{"token": [f"{resource.plugin}:read"]}],
                "parameters": [_tenant(), *_paging(), *_filters(resource)],
                "responses": {
                    "200": _ok(
                        {
                            "type": "object",
                            "properties": {
                                "data": {"type": "array", "items": ref},
                                "next": {"type": ["string", "null"]},
                            },
                            "required": ["data", "next"],
                            "additionalProperties": False,
                        }
                    ),
                    **_problems(),
                },
            }
        }
        paths[f"/api/v1/t/{{tenant}}/{path}/{{id}}"] = {
            "get": {
                "operationId": f"read_{resource.name}",
                "summary": f"Read one {resource.name} record",
                "tags": [tag],
                "security": [{"token": [f"{resource.plugin}:read"]}],
                "parameters": [_tenant(), _id()],
                "responses": {"200": _ok(ref), **_problems()},
            }
        }
    for path, resource in sorted(resources.items()):
        if resource.entity.api_fields and resource.entity.edit_permission:
            extra = {v.key: dict(v.schema) for v in values.get(resource.name, ())}
            _add_writes(paths, schemas, path, resource, extra)
    by_entity = {r.name: (path, r) for path, r in resources.items()}
    for action in actions:
        if action.entity in by_entity:
            path, resource = by_entity[action.entity]
            paths[f"/api/v1/t/{{tenant}}/{path}/{{id}}/{action.name}"] = _action(resource, action)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Myynti API", "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (myypat_…), made on the API tokens page.",
                }
            },
        },
    }


def _add_writes(
    paths: dict[str, Any],
    schemas: dict[str, Any],
    path: str,
    resource: Resource,
    extra: dict[str, Any],
) -> None:
    """POST (create), PATCH (change, with the version read) and DELETE (archive)."""
    name = _schema_name(resource)
    ref = {"$ref": f"#/components/schemas/{name}"}
    writable = {**{f.name: f.schema for f in writable_fields(resource)}, **extra}
    schemas[f"{name}New"] = {
        "type": "object",
        "properties": writable,
        "required": [f.name for f in required_fields(resource)],
        "additionalProperties": False,
    }
    change: dict[str, Any] = {"type": "object", "properties": dict(writable)}
    if resource.field(VERSION) is not None:
        change["properties"][VERSION] = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        change["required"] = [VERSION]
    change["additionalProperties"] = False
    schemas[f"{name}Change"] = change
    security = [{"token": [f"{resource.plugin}:write"]}]
    paths[f"/api/v1/t/{{tenant}}/{path}"]["post"] = {
        "operationId": f"create_{resource.name}",
        "summary": f"Create a {resource.name} record",
        "tags": [resource.plugin],
        "security": security,
        "parameters": [_tenant()],
        "requestBody": _body(f"{name}New"),
        "responses": {"201": _ok(ref), **_problems(WRITE_ERRORS)},
    }
    item = paths[f"/api/v1/t/{{tenant}}/{path}/{{id}}"]
    item["patch"] = {
        "operationId": f"change_{resource.name}",
        "summary": f"Change a {resource.name} record (give the version you read)",
        "tags": [resource.plugin],
        "security": security,
        "parameters": [_tenant(), _id()],
        "requestBody": _body(f"{name}Change"),
        "responses": {"200": _ok(ref), **_problems((*WRITE_ERRORS, 409))},
    }
    if resource.archivable:
        parameters = [_tenant(), _id()]
        if resource.field(VERSION) is not None:
            parameters.append(_if_match())
        item["delete"] = {
            "operationId": f"archive_{resource.name}",
            "summary": f"Archive a {resource.name} record (it is kept)",
            "tags": [resource.plugin],
            "security": security,
            "parameters": parameters,
            "responses": {"200": _ok(ref), **_problems((*ERRORS, 409))},
        }


def _action(resource: Resource, action: RecordAction) -> dict[str, Any]:
    return {
        "post": {
            "operationId": f"{action.name}_{resource.name}",
            "summary": action.summary or f"{action.name} a {resource.name} record",
            "tags": [resource.plugin],
            "security": [{"token": [f"{resource.plugin}:write"]}],
            "parameters": [_tenant(), _id()],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": dict(action.body)}},
            },
            "responses": {
                "200": _ok({"type": "object"}),
                **_problems((*WRITE_ERRORS, 409)),
            },
        }
    }


def _body(schema_name: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def _schema_name(resource: Resource) -> str:
    return "".join(part.capitalize() for part in resource.name.split("_"))


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _problems(statuses: tuple[int, ...] = ERRORS) -> dict[str, Any]:
    return {
        str(status): {
            "description": "A problem",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for status in statuses
    }


def _tenant() -> dict[str, Any]:
    return {
        "name": "tenant",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
    }


def _id() -> dict[str, Any]:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }


def _if_match() -> dict[str, Any]:
    return {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": r'^"?[1-9][0-9]{0,8}"?$'},
        "description": "The version you read: a record changed since is not archived (409).",
    }


def _paging() -> list[dict[str, Any]]:
    return [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "description": f"Records per page (default {DEFAULT_LIMIT}).",
        },
        {
            "name": "cursor",
            "in": "query",
            "schema": {"type": "string", "pattern": r"^\d{1,19}\.[0-9a-f]{24}$"},
            "description": "The `next` of the previous page; any other value is refused.",
        },
    ]


def _filters(resource: Resource) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "in": "query",
            "schema": {k: v for k, v in f.schema.items() if k != "type"}
            | {"type": "string" if f.kind in ("string", "date") else f.kind},
            "description": f"Only records whose {f.name} equals this.",
        }
        for f in resource.fields
        if f.filterable
    ]


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            },
        },
        "required": ["type", "title", "status"],
    }
