"""A customer's e-invoice address: typed on the customer form, checked, shown, and sent.

The customer form belongs to contacts; accounting_link adds the two fields
through the record-form hooks and keeps the values in its own table.
"""

from __future__ import annotations

import io

import pypdf
from lxml import etree
from sqlalchemy import select

from core.db import set_tenant
from plugins.accounting_link.models import CustomerEInvoice
from tests.accounting_link.conftest import make_doc
from tests.accounting_link.test_files_and_sending import SCHEMA, seller  # noqa: F401 - fixture

ADDRESS = "accounting_einvoice_address"
OPERATOR = "accounting_einvoice_operator"


def edit_form(webapp, shop, headers=None):
    page = webapp.get(f"/t/acme/customers/{shop.customer.id}/edit", headers=headers)
    return page.forms["customer-form"]


def stored(db, shop):
    set_tenant(db, shop.tenant.id)
    return db.scalar(
        select(CustomerEInvoice).where(CustomerEInvoice.customer_id == shop.customer.id)
    )


def test_the_address_typed_on_the_customer_form_is_kept_and_shown_on_its_page(webapp, db, as_maija):
    form = edit_form(webapp, as_maija)
    form[ADDRESS] = "0037 0112038-9"
    form[OPERATOR] = "003721291126"
    page = form.submit().follow()
    panel = page.html.select_one("[data-panel=accounting-customer-einvoice]")
    assert panel.select_one(".einvoice-address").get_text() == "003701120389"
    assert panel.select_one(".einvoice-operator").get_text() == "003721291126"
    assert (stored(db, as_maija).address, stored(db, as_maija).operator) == (
        "003701120389",
        "003721291126",
    )
    again = edit_form(webapp, as_maija)
    assert (again[ADDRESS].value, again[OPERATOR].value) == ("003701120389", "003721291126")
    again[ADDRESS] = again[OPERATOR] = ""
    page = again.submit().follow()
    assert page.html.select_one("[data-panel=accounting-customer-einvoice]") is None
    assert stored(db, as_maija) is None


def test_a_bank_address_takes_the_banks_bic_as_operator(webapp, db, as_maija):
    form = edit_form(webapp, as_maija)
    form[ADDRESS] = "FI21 1234 5600 0007 85"
    form[OPERATOR] = "NDEAFIHH"
    form.submit().follow()
    assert stored(db, as_maija).address == "FI2112345600000785"


def _refused(webapp, shop, address, operator, headers=None):
    form = edit_form(webapp, shop, headers)
    form["name"] = "Ei Tallennu Oy"
    form[ADDRESS] = address
    form[OPERATOR] = operator
    return form.submit(headers=headers)


def test_a_wrong_check_digit_in_the_ovt_address_is_refused_beside_the_field(webapp, db, as_maija):
    page = _refused(webapp, as_maija, "003701120388", "003721291126")
    error = page.html.select_one(f"#{ADDRESS}-error").get_text()
    assert "OVT identifier" in error
    assert page.forms["customer-form"][ADDRESS].value == "003701120388"
    db.refresh(as_maija.customer)
    assert as_maija.customer.name == "Rakennus Virtanen Oy"
    assert stored(db, as_maija) is None


def test_an_operator_that_is_no_code_or_missing_is_refused(webapp, db, as_maija):
    page = _refused(webapp, as_maija, "003701120389", "Maventa")
    assert "BIC" in page.html.select_one(f"#{OPERATOR}-error").get_text()
    page = _refused(webapp, as_maija, "003701120389", "")
    assert "operator" in page.html.select_one(f"#{OPERATOR}-error").get_text()
    page = _refused(webapp, as_maija, "FI2112345600000785", "003721291126")
    assert "bank" in page.html.select_one(f"#{OPERATOR}-error").get_text()
    assert stored(db, as_maija) is None


def test_the_messages_are_in_the_users_language(webapp, db, as_maija):
    page = _refused(webapp, as_maija, "12345", "003721291126", {"Accept-Language": "fi"})
    assert "OVT-tunnus" in page.html.select_one(f"#{ADDRESS}-error").get_text()


def test_the_invoice_carries_the_address_in_finvoice_and_on_the_pdf(webapp, db, seller, login):  # noqa: F811
    login(webapp, "maija@acme.example")
    form = edit_form(webapp, seller)
    form[ADDRESS], form[OPERATOR] = "003701120389", "003721291126"
    form.submit().follow()
    doc = make_doc(db, seller)
    db.flush()
    xml = webapp.get(f"/t/acme/sales/documents/{doc.id}/finvoice.xml").body
    tree = etree.fromstring(xml)
    assert SCHEMA.validate(tree), str(SCHEMA.error_log)
    assert tree.findtext("BuyerOrganisationUnitNumber") == "003701120389"
    pdf = webapp.get(f"/t/acme/sales/documents/{doc.id}/document.pdf").body
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Verkkolaskuosoite 003701120389" in text
    assert "Välittäjä 003721291126" in text
