"""The contacts plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    config.add_tenant_route("customers", "/customers")
    config.add_tenant_route("customers_export", "/customers/export.csv")
    config.add_tenant_route("customer_new", "/customers/new")
    config.add_tenant_route("customer", "/customers/{id:\\d+}")
    config.add_tenant_route("customer_edit", "/customers/{id:\\d+}/edit")
    config.add_tenant_route("customer_archive", "/customers/{id:\\d+}/archive")
    config.add_tenant_route("contact_requests", "/requests")
    config.add_tenant_route("contact_request", "/requests/{id:\\d+}")
    config.scan("plugins.contacts.views")
