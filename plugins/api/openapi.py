"""The OpenAPI 3.1 document of the API, generated from the installed plugins' entities.

One document for the installation: a tenant sees the resources of the plugins
it has enabled; the others answer 404 for it.
"""

from __future__ import annotations

from typing import Any

from plugins.api.resources import Resource
from plugins.api.views.records import DEFAULT_LIMIT, MAX_LIMIT

PROBLEM = {"$ref": "#/components/schemas/Problem"}
ERRORS = (400, 401, 403, 404, 429)


def document(resources: dict[str, Resource], version: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Problem": _problem_schema()}
    for path, resource in sorted(resources.items()):
        schema_name = _schema_name(resource)
        schemas[schema_name] = {
            "type": "object",
            "properties": {f.name: f.schema for f in resource.fields},
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


def _schema_name(resource: Resource) -> str:
    return "".join(part.capitalize() for part in resource.name.split("_"))


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _problems() -> dict[str, Any]:
    return {
        str(status): {
            "description": "A problem",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for status in ERRORS
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
