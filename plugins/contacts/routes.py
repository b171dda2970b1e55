"""The contacts plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    config.add_tenant_route("customers", "/customers")
    config.add_tenant_route("customers_export", "/customers/export.csv")
    config.add_tenant_route("customers_import", "/customers/import")
    config.add_tenant_route("customers_lookup", "/customers/lookup")
    config.add_tenant_route("customers_lookup_contacts", "/customers/lookup/contacts")
    config.add_tenant_route("customers_import_check", "/customers/import/{token}")
    config.add_tenant_route("customers_import_refused", "/customers/import/{token}/refused")
    config.add_tenant_route("customers_import_refused_csv", "/customers/import/{token}/refused.csv")
    config.add_tenant_route("customer_new", "/customers/new")
    config.add_tenant_route("customer", "/customers/{id:\\d+}")
    config.add_tenant_route("customer_edit", "/customers/{id:\\d+}/edit")
    config.add_tenant_route("customer_archive", "/customers/{id:\\d+}/archive")
    config.add_tenant_route("customer_merge", "/customers/{id:\\d+}/merge")
    config.add_tenant_route("contact_person_new", "/customers/{id:\\d+}/contacts/new")
    config.add_tenant_route(
        "contact_person_edit", "/customers/{id:\\d+}/contacts/{person_id:\\d+}/edit"
    )
    config.add_tenant_route(
        "contact_person_archive", "/customers/{id:\\d+}/contacts/{person_id:\\d+}/archive"
    )
    config.add_tenant_route("contact_requests", "/requests")
    config.add_tenant_route("contact_request", "/requests/{id:\\d+}")
    config.add_tenant_route("contact_request_new", "/requests/new")
    config.add_tenant_route("contact_request_state", "/requests/{id:\\d+}/state")
    config.add_tenant_route("contact_request_assign", "/requests/{id:\\d+}/assign")
    config.add_tenant_route("contact_request_customer", "/requests/{id:\\d+}/customer")
    config.add_tenant_route("contact_request_convert", "/requests/{id:\\d+}/convert")
    config.add_tenant_route("web_forms", "/settings/forms")
    config.add_tenant_route("web_form_new", "/settings/forms/new")
    config.add_tenant_route("web_form", "/settings/forms/{id:\\d+}")
    config.add_tenant_route("web_form_delete", "/settings/forms/{id:\\d+}/delete")
    config.add_tenant_route("routing_rules", "/settings/routing")
    config.add_tenant_route("routing_rule_new", "/settings/routing/new")
    config.add_tenant_route("routing_rule", "/settings/routing/{id:\\d+}")
    config.add_tenant_route("routing_rule_delete", "/settings/routing/{id:\\d+}/delete")
    config.add_tenant_route("api_tokens", "/settings/api-tokens")
    config.add_tenant_route("api_token_revoke", "/settings/api-tokens/{id:\\d+}/revoke")
    # Public: posted to from customers' web sites and integrations, no sign-in.
    config.add_route("web_form_post", "/f/{public_key}")
    config.add_route("api_contact_requests", "/api/v1/t/{slug}/contact-requests")
    config.scan("plugins.contacts.views")
