"""Finvoice 3.0 of invoices and credit notes, each validated against the published schema.

The schema is a copy of Finvoice3.0.xsd kept in tests/accounting_link/data,
so the tests run the same from any checkout.
"""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from plugins.accounting_link.finvoice import FinvoiceError, finvoice_xml
from tests.accounting_link import output_samples as samples

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "Finvoice3.0.xsd")))
SENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def valid_tree(doc) -> etree._Element:
    """The Finvoice of ``doc``, parsed; fails the test with the schema's complaint if invalid."""
    tree = etree.fromstring(finvoice_xml(doc, SENT))
    if not SCHEMA.validate(tree):
        pytest.fail(str(SCHEMA.error_log))
    return tree


def text(tree, path: str) -> str:
    return tree.findtext(path)


def test_ordinary_invoice_is_valid_with_totals_reference_and_barcode():
    doc = samples.ordinary_invoice()
    tree = valid_tree(doc)
    assert text(tree, "InvoiceDetails/InvoiceTypeCode") == "INV01"
    assert text(tree, "InvoiceDetails/InvoiceTypeText") == "LASKU"
    assert text(tree, "InvoiceDetails/InvoiceNumber") == "10042"
    assert text(tree, "InvoiceDetails/InvoiceDate") == "20260302"
    # 3 × 45.90 = 137.70; 2.5 × 68.00 − 10 % = 153.00; VAT 25.5 % of 290.70 = 74.13
    assert text(tree, "InvoiceDetails/InvoiceTotalVatExcludedAmount") == "290,70"
    assert text(tree, "InvoiceDetails/InvoiceTotalVatAmount") == "74,13"
    assert text(tree, "InvoiceDetails/InvoiceTotalVatIncludedAmount") == "364,83"
    assert text(tree, "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate") == "20260316"
    assert text(tree, "InvoiceDetails/BuyerReferenceIdentifier") == "Tilaus PO-778"
    assert text(tree, "BuyerPartyDetails/BuyerOrganisationName") == "Äänekosken Sähkö Oy"
    reference = tree.find("EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
    assert (reference.text, reference.get("IdentificationSchemeName")) == ("100421", "SPY")
    assert text(tree, "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount") == "364,83"
    assert text(tree, "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID") == (
        "FI7944052020036082"
    )
    barcode = text(tree, "VirtualBankBarcode")
    assert barcode == "4" + "7944052020036082" + "00036483" + "000" + "100421".zfill(20) + "260316"
    rows = tree.findall("InvoiceRow")
    assert [r.findtext("RowVatExcludedAmount") for r in rows] == ["137,70", "153,00"]
    assert rows[1].findtext("RowDiscountPercent") == "10"
    assert rows[1].find("InvoicedQuantity").get("QuantityUnitCode") == "h"
    assert tree.findtext("MessageTransmissionDetails/MessageReceiverDetails/ToIdentifier") == (
        "003776543210"
    )


def test_several_vat_rates_each_get_their_specification():
    tree = valid_tree(samples.several_rates_invoice())
    parts = {
        v.findtext("VatRatePercent"): (v.findtext("VatBaseAmount"), v.findtext("VatRateAmount"))
        for v in tree.findall("InvoiceDetails/VatSpecificationDetails")
    }
    assert parts == {
        "25,5": ("1200,00", "306,00"),
        "14": ("54,00", "7,56"),
        "10": ("78,00", "7,80"),
        "0": ("300,00", "0,00"),
    }
    codes = [v.findtext("VatCode") for v in tree.findall("InvoiceDetails/VatSpecificationDetails")]
    assert codes == ["S", "S", "S", "Z"]


def test_reverse_charge_has_no_vat_and_says_so():
    tree = valid_tree(samples.reverse_charge_invoice())
    assert text(tree, "InvoiceDetails/InvoiceTotalVatAmount") == "0,00"
    assert text(tree, "InvoiceDetails/InvoiceTypeText") == "INVOICE"
    vat = tree.find("InvoiceDetails/VatSpecificationDetails")
    assert vat.findtext("VatCode") == "AE"
    assert "Reverse charge" in text(tree, "InvoiceDetails/InvoiceVatFreeText")
    assert text(tree, "BuyerPartyDetails/BuyerOrganisationTaxCode") == "SE556677889901"
    assert text(tree, "BuyerPartyDetails/BuyerPostalAddressDetails/CountryCode") == "SE"
    assert {r.findtext("RowVatCode") for r in tree.findall("InvoiceRow")} == {"AE"}


def test_credit_note_is_inv02_negative_and_names_the_credited_invoice():
    tree = valid_tree(samples.credit_note())
    assert text(tree, "InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert text(tree, "InvoiceDetails/InvoiceTypeText") == "HYVITYSLASKU"
    assert text(tree, "InvoiceDetails/OriginalInvoiceNumber") == "10042"
    assert text(tree, "InvoiceDetails/InvoiceTotalVatIncludedAmount") == "-85,34"
    assert tree.find("VirtualBankBarcode") is None


def test_rf_reference_goes_as_iso_with_a_version_5_barcode():
    tree = valid_tree(samples.rf_invoice())
    reference = tree.find("EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
    assert reference.get("IdentificationSchemeName") == "ISO"
    assert reference.text.startswith("RF") and reference.text.endswith("100421")
    assert text(tree, "VirtualBankBarcode").startswith("5")


def test_swedish_invoice_has_swedish_texts():
    tree = valid_tree(samples.ordinary_invoice(language="sv"))
    assert text(tree, "InvoiceRecipientLanguageCode") == "SV"
    assert text(tree, "InvoiceDetails/InvoiceTypeText") == "FAKTURA"
    assert text(tree, "InvoiceDetails/PaymentTermsDetails/PaymentTermsFreeText") == "14 dagar netto"


def test_a_quote_or_a_seller_without_iban_is_refused():
    doc = samples.ordinary_invoice()
    with pytest.raises(FinvoiceError, match="Only invoices and credit notes"):
        finvoice_xml(replace(doc, kind="quote"))
    with pytest.raises(FinvoiceError, match="IBAN"):
        finvoice_xml(replace(doc, seller=replace(doc.seller, iban="")))
    with pytest.raises(FinvoiceError, match="IBAN is not valid"):
        finvoice_xml(replace(doc, seller=replace(doc.seller, iban="FI79 4405 2020 0360 83")))
    with pytest.raises(FinvoiceError, match="BIC is not valid"):
        finvoice_xml(replace(doc, seller=replace(doc.seller, bic="OKOY")))


def test_long_names_and_addresses_are_cut_to_what_finvoice_allows():
    doc = samples.ordinary_invoice()
    long_street = "Pitkäkatu 123 A 45, porraskäytävä C, 3. kerros"
    buyer = replace(
        doc.buyer,
        name="Hyvin Pitkänimisen Osakeyhtiön Tampereen Toimipisteen Huoltopalveluyksikkö Oy",
        billing_address=replace(doc.buyer.billing_address, street=long_street),
    )
    tree = valid_tree(replace(doc, buyer=buyer))
    assert (
        text(tree, "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerStreetName")
        == (long_street[:35])
    )
    with pytest.raises(FinvoiceError, match="seller's name"):
        finvoice_xml(replace(doc, seller=replace(doc.seller, name="")))


def test_the_schema_check_itself_catches_a_broken_invoice():
    tree = etree.fromstring(finvoice_xml(samples.ordinary_invoice(), SENT))
    tree.find("InvoiceDetails/InvoiceTotalVatIncludedAmount").text = "364.83"
    assert not SCHEMA.validate(tree)
