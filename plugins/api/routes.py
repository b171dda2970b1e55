"""The API's routes. The record routes answer GET only, so a POST to a path some plugin
serves itself (contacts' ``/contact-requests``) reaches that plugin's view."""

from __future__ import annotations

from typing import Any

PREFIX = "/api/v1/t/{slug}"


def includeme(config: Any) -> None:
    config.add_route("api_openapi", "/api/v1/openapi.json")
    config.add_route("api_docs", "/api/v1/docs")
    config.add_route("api_records", PREFIX + "/{resource}", request_method="GET")
    config.add_route("api_record", PREFIX + "/{resource}/{id}", request_method="GET")
    config.add_tenant_route("api_tokens_page", "/settings/api")
    config.add_tenant_route("api_token_revoke_personal", "/settings/api/{id:\\d+}/revoke")
    config.scan("plugins.api.views")
