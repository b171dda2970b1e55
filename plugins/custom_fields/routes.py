"""The custom_fields plugin's routes (``includeme``): the admin's field pages."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    config.add_tenant_route("custom_fields", "/settings/custom-fields")
    config.add_tenant_route("custom_field_new", "/settings/custom-fields/{entity:[a-z_]+}/new")
    config.add_tenant_route("custom_field", "/settings/custom-fields/{id:\\d+}")
    config.add_tenant_route("custom_field_retire", "/settings/custom-fields/{id:\\d+}/retire")
    config.add_tenant_route("custom_field_restore", "/settings/custom-fields/{id:\\d+}/restore")
    config.add_tenant_route("custom_field_delete", "/settings/custom-fields/{id:\\d+}/delete")
    config.scan("plugins.custom_fields.views")
