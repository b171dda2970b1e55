"""``/api/v1/openapi.json`` and ``/api/v1/docs``: the API described, for machines and people."""

from __future__ import annotations

from typing import Any

from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from core.record_forms import api_values
from plugins.api import openapi, plugin
from plugins.api.access import authenticate
from plugins.api.resources import resources
from plugins.api.views.records import answers_problems


def installed_document(request: Any) -> dict[str, Any]:
    """The document of every installed plugin's entities (a tenant gets its enabled ones).

    The objects plugins add to records (custom fields) are described generically:
    each tenant defines its own, described in its own document.
    """
    registry = request.registry.myynti_plugins
    hooks = registry.hooks_for(p.name for p in registry.plugins)
    found = resources(registry, hooks.collect("myynti_entities"))
    values = {
        r.name: hooks.collect("myynti_api_values", request=None, entity=r.entity)
        for r in found.values()
    }
    return openapi.document(
        found, plugin.version, hooks.collect("myynti_record_actions"), values=values
    )


@view_config(route_name="api_openapi", request_method="GET", permission=NO_PERMISSION_REQUIRED)
def openapi_json(request: Any) -> Response:
    return Response(json_body=installed_document(request), content_type="application/json")


@view_config(
    route_name="api_tenant_openapi",
    request_method="GET",
    permission=NO_PERMISSION_REQUIRED,
    require_csrf=False,
)
@answers_problems
def tenant_openapi_json(request: Any) -> Response:
    """The document as the token's tenant has it: its enabled plugins' entities, and its
    own custom fields with their types and choices."""
    access = authenticate(request)
    values = {r.name: api_values(request, r.entity) for r in access.resources.values()}
    actions = request.plugins.collect("myynti_record_actions")
    body = openapi.document(access.resources, plugin.version, actions, values=values)
    return Response(json_body=body, content_type="application/json")


@view_config(
    route_name="api_docs",
    request_method="GET",
    renderer="plugins.api:templates/docs.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def docs_page(request: Any) -> dict[str, Any]:
    document = installed_document(request)
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    schemas = [
        (name, [(prop, _type_label(schema)) for prop, schema in spec.get("properties", {}).items()])
        for name, spec in document["components"]["schemas"].items()
    ]
    return {"operations": operations, "schemas": schemas}


def _type_label(schema: dict[str, Any]) -> str:
    """``string (date-time) or null``: a property's JSON type as a reader wants it."""
    kinds = schema.get("type", "any")
    text = " or ".join(kinds) if isinstance(kinds, list) else kinds
    return f"{text} ({schema['format']})" if "format" in schema else text
