"""The accounting_link plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    doc = "/sales/documents/{id:\\d+}"
    config.add_tenant_route(
        "sales_document_new", "/tasks/{task_id:\\d+}/documents/new/{kind:[a-z_]+}"
    )
    config.add_tenant_route("sales_document", doc)
    config.add_tenant_route("sales_document_edit", doc + "/edit")
    config.add_tenant_route("sales_document_step", doc + "/steps/{step:[a-z]+}")
    config.add_tenant_route("sales_document_payments", doc + "/payments")
    config.add_tenant_route("sales_document_delivery", doc + "/delivery")
    config.add_tenant_route("sales_document_send", doc + "/send")
    config.add_tenant_route("sales_document_sync_retry", doc + "/sync")
    config.add_tenant_route("sales_document_pdf", doc + "/document.pdf")
    config.add_tenant_route("sales_document_finvoice", doc + "/finvoice.xml")
    config.add_tenant_route("sales_payments_import", "/sales/payments/import")
    config.add_tenant_route("sales_products", "/settings/products")
    config.add_tenant_route("sales_product_new", "/settings/products/new")
    config.add_tenant_route("sales_product", "/settings/products/{id:\\d+}")
    config.add_tenant_route("accounting_settings", "/settings/accounting")
    config.scan("plugins.accounting_link.views")
