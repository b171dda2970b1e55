"""Another tenant's documents and tasks are not found in any URL, nor without the plugin."""

from __future__ import annotations

import pytest

from core.testing import csrf_token
from tests.accounting_link.conftest import add_customer, add_task

GETS = ("", "/edit", "/document.pdf", "/finvoice.xml")
POSTS = ("/steps/send", "/steps/invoice", "/payments", "/delivery", "/send", "/sync")


@pytest.mark.parametrize("suffix", GETS)
def test_another_tenants_document_is_not_found(webapp, as_maija, beta_doc, suffix):
    webapp.get(f"/t/acme/sales/documents/{beta_doc.id}{suffix}", status=404)


@pytest.mark.parametrize("suffix", POSTS)
def test_another_tenants_document_cannot_be_changed(webapp, db, as_anna, beta_doc, suffix):
    webapp.post(
        f"/t/acme/sales/documents/{beta_doc.id}{suffix}",
        {"csrf_token": csrf_token(webapp), "version": str(beta_doc.version), "amount": "1"},
        status=404,
    )
    db.refresh(beta_doc)
    assert (beta_doc.state, beta_doc.settled_total) == ("draft", 0)


def test_a_document_cannot_be_made_on_another_tenants_task(webapp, as_maija, beta_doc):
    webapp.get(f"/t/acme/tasks/{beta_doc.task_id}/documents/new/invoice", status=404)


def test_another_tenants_customer_cannot_be_put_on_a_document(webapp, as_maija, beta_doc, db):
    shop = as_maija
    form = webapp.get(f"/t/acme/tasks/{shop.task.id}/documents/new/quote").forms["document-form"]
    form["customer_id"].force_value(str(beta_doc.customer_id))
    form["lines-0-description"] = "x"
    form["lines-0-quantity"] = "1"
    form["lines-0-unit_price"] = "1"
    form["lines-0-vat_rate_id"] = str(shop.rate("25.50").id)
    page = form.submit(status=400)
    assert "Choose a customer." in page.text


@pytest.fixture
def gamma(db, make_tenant, make_user, login, webapp):
    tenant = make_tenant("gamma", "Gamma Oy", plugins=("workflow",))
    user = make_user("gina@gamma.example", tenant=tenant, role="admin", name="Gina")
    task = add_task(db, tenant, add_customer(db, tenant, "Gamma Asiakas"), user, "Gamma työ")
    login(webapp, "gina@gamma.example")
    return task


def test_a_tenant_without_the_plugin_gets_404_and_no_panel(webapp, gamma, beta_doc):
    for url in (
        f"/t/gamma/sales/documents/{beta_doc.id}",
        f"/t/gamma/tasks/{gamma.id}/documents/new/quote",
        "/t/gamma/settings/products",
        "/t/gamma/settings/accounting",
        "/t/gamma/sales/payments/import",
    ):
        webapp.get(url, status=404)
    page = webapp.get(f"/t/gamma/tasks/{gamma.id}")
    assert page.html.select("[data-panel=accounting-task-documents]") == []
