"""Reading Netvisor's answers: OK, FAILED with its reason, and what is not a Netvisor answer."""

from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from plugins.accounting_link.netvisor import NetvisorFailed, NetvisorMalformed, messages
from tests.accounting_link import output_samples as samples


def test_failed_answer_carries_netvisors_reason():
    body = (
        b"<Root><ResponseStatus><Status>FAILED</Status>"
        b"<Status>INVALID_DATA :: Invoice number missing</Status>"
        b"<TimeStamp>02.03.2026 09:30:00</TimeStamp></ResponseStatus></Root>"
    )
    with pytest.raises(NetvisorFailed) as raised:
        messages.parse_answer(body)
    assert raised.value.message == "INVALID_DATA :: Invoice number missing"


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        b"<Root><Replies/></Root>",
        b"<Root><ResponseStatus><Status>MAYBE</Status></ResponseStatus></Root>",
        b"<Root><ResponseStatus><Status>OK</Status>",
        b"",
    ],
)
def test_anything_but_a_netvisor_answer_is_malformed(body):
    with pytest.raises(NetvisorMalformed):
        messages.parse_answer(body)


def test_an_ok_answer_without_the_expected_fields_is_malformed():
    root = messages.parse_answer(
        b"<Root><ResponseStatus><Status>OK</Status></ResponseStatus></Root>"
    )
    with pytest.raises(NetvisorMalformed, match="InsertedDataIdentifier"):
        messages.inserted_key(root)
    bad_sum = (
        b"<Root><ResponseStatus><Status>OK</Status></ResponseStatus><SalesInvoiceList>"
        b"<SalesInvoice><NetvisorKey>1</NetvisorKey><InvoiceNumber>10042</InvoiceNumber>"
        b"<InvoiceStatus>open</InvoiceStatus><InvoiceSum>paljon</InvoiceSum><OpenSum>0</OpenSum>"
        b"</SalesInvoice></SalesInvoiceList></Root>"
    )
    with pytest.raises(NetvisorMalformed, match="not a number"):
        messages.parse_invoice_list(messages.parse_answer(bad_sum))


def test_sales_invoice_xml_has_netvisors_formats():
    root = etree.fromstring(messages.sales_invoice_xml(samples.ordinary_invoice(), "1001"))
    invoice = root.find("SalesInvoice")
    assert invoice.find("SalesInvoiceDate").get("format") == "ansi"
    assert invoice.findtext("SalesInvoiceDate") == date(2026, 3, 2).isoformat()
    assert invoice.findtext("SalesInvoiceAmount") == "364,83"
    assert invoice.findtext("SalesInvoiceReferencenumber") == "100421"
    assert invoice.findtext("InvoiceType") == "invoice"
    line = invoice.find("InvoiceLines/InvoiceLine/SalesInvoiceProductLine")
    assert line.find("ProductVatPercentage").get("vatcode") == "KOMY"
    assert line.findtext("ProductVatPercentage") == "25,5"
    assert line.findtext("ProductUnitPrice") == "45,90"
    foreign = etree.fromstring(messages.sales_invoice_xml(samples.reverse_charge_invoice(), "1"))
    vat = foreign.find(".//ProductVatPercentage")
    assert (vat.get("vatcode"), vat.text) == ("EUPM", "0")


def test_a_quote_is_not_sent_to_netvisor():
    with pytest.raises(ValueError, match="not quote"):
        messages.sales_invoice_xml(replace(samples.ordinary_invoice(), kind="quote"), "1")
