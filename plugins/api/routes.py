"""The API's routes.

The write routes match only the paths of entities declared writable, so a POST
to a path some plugin serves itself (contacts' ``/contact-requests``) goes on
to that plugin's route.
"""

from __future__ import annotations

from typing import Any

from plugins.api.resources import resources

PREFIX = "/api/v1/t/{slug}"


def includeme(config: Any) -> None:
    config.add_route("api_openapi", "/api/v1/openapi.json")
    config.add_route("api_docs", "/api/v1/docs")
    config.add_route_predicate("api_writable", WritableResource)
    # Before the records' routes, whose {resource} would take it.
    config.add_route("api_tenant_openapi", PREFIX + "/openapi.json", request_method="GET")
    config.add_route("api_records", PREFIX + "/{resource}", request_method="GET")
    config.add_route("api_record", PREFIX + "/{resource}/{id}", request_method="GET")
    config.add_route(
        "api_records_create", PREFIX + "/{resource}", request_method="POST", api_writable=True
    )
    config.add_route(
        "api_record_write",
        PREFIX + "/{resource}/{id}",
        request_method=("PATCH", "DELETE"),
        api_writable=True,
    )
    config.add_route(
        "api_record_action", PREFIX + "/{resource}/{id}/{action}", request_method="POST"
    )
    config.add_tenant_route("api_tokens_page", "/settings/api")
    config.add_tenant_route("api_token_revoke_personal", "/settings/api/{id:\\d+}/revoke")
    config.add_tenant_route("api_webhooks", "/settings/webhooks")
    config.add_tenant_route("api_webhook", "/settings/webhooks/{id:\\d+}")
    config.add_tenant_route("api_webhook_resume", "/settings/webhooks/{id:\\d+}/resume")
    config.add_tenant_route("api_webhook_delete", "/settings/webhooks/{id:\\d+}/delete")
    config.scan("plugins.api.views")


class WritableResource:
    """Route predicate: the path's resource is an entity with ``api_fields``."""

    def __init__(self, value: bool, info: Any) -> None:
        self.value = value

    def text(self) -> str:
        return f"api_writable = {self.value}"

    phash = text

    def __call__(self, info: dict[str, Any], request: Any) -> bool:
        return (info["match"].get("resource") in writable_paths(request.registry)) == self.value


def writable_paths(registry: Any) -> frozenset[str]:
    """Paths of the installed entities that take writes (computed once per app)."""
    found = getattr(registry, "api_writable_paths", None)
    if found is None:
        plugins = registry.myynti_plugins
        hooks = plugins.hooks_for(p.name for p in plugins.plugins)
        entities = hooks.collect("myynti_entities")
        found = frozenset(
            path for path, r in resources(plugins, entities).items() if r.entity.api_fields
        )
        registry.api_writable_paths = found
    return found
