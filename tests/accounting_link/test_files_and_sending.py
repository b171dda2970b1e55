"""A document's PDF and Finvoice from the pages, each generated invoice valid against the
Finvoice 3.0 schema, and sending by e-mail through the messaging hook."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.models import Event
from plugins.accounting_link.documents import DocumentInput, create_document, settings_of
from plugins.accounting_link.flow import take_step
from plugins.accounting_link.models import DocumentKind
from tests.accounting_link.bookkeeper import SENT
from tests.accounting_link.conftest import DAY, add_customer, line, make_doc

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "Finvoice3.0.xsd")))


@pytest.fixture
def seller(db, shop):
    set_tenant(db, shop.tenant.id)
    settings = settings_of(db)
    settings.business_id = "1572860-0"
    settings.vat_number = "FI15728600"
    settings.address = {"street": "Kauppakatu 5", "postcode": "40100", "city": "Jyväskylä"}
    settings.iban = "FI2112345600000785"
    settings.bic = "NDEAFIHH"
    db.flush()
    return shop


def invoices(db, shop):
    """An ordinary invoice, a discounted one, a reverse-charged one and a credit note."""
    plain = make_doc(db, shop)
    discounted = make_doc(db, shop, lines=[line(shop, "2.5", "68", discount="10")])
    swede = add_customer(
        db,
        shop.tenant,
        "Svenska Bygg AB",
        vat_number="SE556677889901",
        language="sv",
        billing_address={
            "street": "Storgatan 1",
            "postcode": "11122",
            "city": "Stockholm",
            "country": "SE",
        },
    )
    reverse = create_document(
        db,
        DocumentKind.INVOICE,
        DocumentInput(customer=swede, document_date=DAY, lines=[line(shop, "1", "500")]),
        shop.maija,
    )
    for doc in (plain, discounted, reverse):
        take_step(db, doc, "send", shop.maija)
    note = take_step(db, plain, "credit", shop.maija)
    db.flush()
    return [plain, discounted, reverse, note]


def test_every_generated_invoice_is_valid_finvoice(webapp, db, seller, login):
    login(webapp, "maija@acme.example")
    for doc in invoices(db, seller):
        response = webapp.get(f"/t/acme/sales/documents/{doc.id}/finvoice.xml")
        assert response.content_type == "application/xml"
        tree = etree.fromstring(response.body)
        assert SCHEMA.validate(tree), (doc.number, str(SCHEMA.error_log))
        assert tree.findtext("InvoiceDetails/InvoiceNumber") == str(doc.number)
        assert tree.findtext("BuyerPartyDetails/BuyerOrganisationName") == (
            "Svenska Bygg AB" if doc.reverse_charge else "Rakennus Virtanen Oy"
        )


def test_a_finvoice_without_the_sellers_iban_says_what_is_missing(webapp, db, as_maija):
    doc = make_doc(db, as_maija)
    page = webapp.get(f"/t/acme/sales/documents/{doc.id}/finvoice.xml", status=400)
    assert "IBAN" in page.html.select_one(".step-error").get_text()


def test_what_keeps_an_invoice_from_finvoice_is_said_in_the_users_language(
    webapp, db, seller, login
):
    login(webapp, "maija@acme.example")
    doc = make_doc(db, seller)
    seller.customer.billing_address = {"street": "Rakentajantie 1", "postcode": "", "city": ""}
    db.flush()
    page = webapp.get(
        f"/t/acme/sales/documents/{doc.id}/finvoice.xml",
        headers={"Accept-Language": "fi"},
        status=400,
    )
    assert page.html.select_one(".step-error").get_text(strip=True) == (
        "Tästä laskusta ei voi muodostaa verkkolaskua (Finvoice): "
        "Asiakkaan laskutusosoite on puutteellinen."
    )


def test_the_pdf_is_in_the_customers_language_with_number_and_reference(webapp, db, seller, login):
    login(webapp, "maija@acme.example")
    doc = make_doc(db, seller)
    db.flush()
    response = webapp.get(f"/t/acme/sales/documents/{doc.id}/document.pdf")
    assert response.content_type == "application/pdf"
    assert f'filename="lasku-{doc.number}.pdf"' in response.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body)).pages)
    assert str(doc.number) in text and "Rakennus Virtanen Oy" in text
    assert doc.reference in text


def test_sending_queues_a_message_with_the_pdf_and_writes_history(
    db, seller, booked, bookkeeper_app
):
    shop = booked
    doc = make_doc(db, shop)
    doc.contact_person_id = shop.person.id
    db.flush()
    page = bookkeeper_app.get(f"/t/acme/sales/documents/{doc.id}")
    page.forms["document-send"].submit().follow()

    (message,) = SENT
    assert message.to == ("ville@virtanen.example",)
    assert (message.entity, message.record_id) == ("task", shop.task.id)
    assert message.subject == f"Lasku {doc.number}"
    assert message.files[0].filename == f"lasku-{doc.number}.pdf"
    assert message.files[0].data.startswith(b"%PDF")
    with all_tenants(db):
        sent = db.scalars(select(Event.entity).where(Event.kind == "sales_document_sent")).all()
    assert sorted(sent) == ["customer", "task"]


def test_a_refused_message_is_shown_and_nothing_recorded(db, booked, bookkeeper_app):
    shop = booked
    doc = make_doc(db, shop)
    shop.customer.email = "laskut@bounced.example"
    db.flush()
    page = bookkeeper_app.get(f"/t/acme/sales/documents/{doc.id}")
    refused = page.forms["document-send"].submit(status=400)
    assert "Mail to this address has bounced." in refused.html.select_one(".step-error").get_text()
    with all_tenants(db):
        assert db.scalars(select(Event).where(Event.kind == "sales_document_sent")).all() == []


def test_without_messaging_there_is_no_send_button(webapp, db, as_maija):
    doc = make_doc(db, as_maija)
    page = webapp.get(f"/t/acme/sales/documents/{doc.id}")
    assert "document-send" not in page.forms
    assert page.html.select_one(".no-messaging")
