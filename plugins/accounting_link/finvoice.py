"""Finvoice 3.0 e-invoice XML of an invoice or a credit note.

Built with lxml from a ``DocumentData``; the elements come in the order the
Finvoice 3.0 schema requires. Amounts use a decimal comma
(``1234,56``), dates ``CCYYMMDD``, percentages ``25,5``. A credit note is
type ``INV02`` with negative amounts and the credited invoice's number.
Reverse charge is VAT code ``AE`` with the statutory text; otherwise ``S``
(``Z`` for a zero rate).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree
from stdnum import bic as bic_code
from stdnum import iban as iban_number

from plugins.accounting_link import _
from plugins.accounting_link.barcode import BarcodeError, virtual_barcode
from plugins.accounting_link.document_data import Address, DocumentData
from plugins.accounting_link.references import compact

TYPE_CODES = {"invoice": "INV01", "credit_note": "INV02"}
TYPE_TEXTS = {
    "invoice": {"fi": "LASKU", "sv": "FAKTURA", "en": "INVOICE"},
    "credit_note": {"fi": "HYVITYSLASKU", "sv": "KREDITNOTA", "en": "CREDIT NOTE"},
}
REVERSE_CHARGE_TEXT = {
    "fi": "Käännetty verovelvollisuus (AVL 8 b §)",
    "sv": "Omvänd skattskyldighet (MomsL 8 b §)",
    "en": "Reverse charge (VAT Act 8 b §)",
}
PAYMENT_TERMS_TEXT = {
    "fi": "{days} päivää netto",
    "sv": "{days} dagar netto",
    "en": "{days} days net",
}
PENALTY_TEXT = {"fi": "Viivästyskorko", "sv": "Dröjsmålsränta", "en": "Penalty interest"}


NOT_AN_INVOICE = _("Only invoices and credit notes are sent as Finvoice.")
NO_IBAN = _("The seller's IBAN is missing (the invoicing settings).")
BAD_IBAN = _("The seller's IBAN is not valid (the invoicing settings).")
BAD_BIC = _("The seller's BIC is not valid (the invoicing settings).")
NO_SELLER_NAME = _("The seller's name is missing (the invoicing settings).")
NO_BUYER_NAME = _("The customer's name is missing.")
SELLER_ADDRESS = _("The seller's address is incomplete (the invoicing settings).")
BUYER_ADDRESS = _("The customer's billing address is incomplete.")


class FinvoiceError(ValueError):
    """The document cannot be sent as Finvoice; ``message`` says what is missing.

    ``message`` is a translation string of this plugin, so the page shows it
    in the user's language; ``str()`` is its English text.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def amount(value: Decimal) -> str:
    """``Decimal("-1234.5")`` -> ``-1234,50``."""
    return f"{value.quantize(Decimal('0.01')):f}".replace(".", ",")


def number(value: Decimal) -> str:
    """A percentage or quantity without trailing zeros: ``25.50`` -> ``25,5``."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str):
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, tag: str, day: date) -> None:
    _sub(parent, tag, day.strftime("%Y%m%d"), Format="CCYYMMDD")


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    _sub(parent, tag, amount(value), AmountCurrencyIdentifier=currency)


def _address(parent: etree._Element, prefix: str, address: Address) -> None:
    details = _sub(parent, f"{prefix}PostalAddressDetails")
    _sub(details, f"{prefix}StreetName", address.street[:35])
    _sub(details, f"{prefix}TownName", address.city[:35])
    _sub(details, f"{prefix}PostCodeIdentifier", address.postcode[:35])
    _sub(details, "CountryCode", address.country)


def _incomplete(address: Address) -> bool:
    return len(address.street) < 2 or len(address.city) < 2 or len(address.postcode) < 2


def _check(doc: DocumentData) -> None:
    if doc.kind not in TYPE_CODES:
        raise FinvoiceError(NOT_AN_INVOICE)
    if not doc.seller.iban:
        raise FinvoiceError(NO_IBAN)
    if not iban_number.is_valid(doc.seller.iban):
        raise FinvoiceError(BAD_IBAN)
    if doc.seller.bic and not bic_code.is_valid(doc.seller.bic):
        raise FinvoiceError(BAD_BIC)
    if len(doc.seller.name.strip()) < 2:
        raise FinvoiceError(NO_SELLER_NAME)
    if len(doc.buyer.name.strip()) < 2:
        raise FinvoiceError(NO_BUYER_NAME)
    if _incomplete(doc.seller.address):
        raise FinvoiceError(SELLER_ADDRESS)
    if _incomplete(doc.buyer.billing_address):
        raise FinvoiceError(BUYER_ADDRESS)


def _transmission(root: etree._Element, doc: DocumentData, sent: datetime) -> None:
    seller, buyer = doc.seller, doc.buyer
    if not (
        seller.einvoice_address
        and seller.einvoice_operator
        and buyer.einvoice_address
        and buyer.einvoice_operator
    ):
        return
    details = _sub(root, "MessageTransmissionDetails")
    sender = _sub(details, "MessageSenderDetails")
    _sub(sender, "FromIdentifier", seller.einvoice_address)
    _sub(sender, "FromIntermediator", seller.einvoice_operator)
    receiver = _sub(details, "MessageReceiverDetails")
    _sub(receiver, "ToIdentifier", buyer.einvoice_address)
    _sub(receiver, "ToIntermediator", buyer.einvoice_operator)
    message = _sub(details, "MessageDetails")
    _sub(message, "MessageIdentifier", f"{doc.kind}-{doc.number}")
    _sub(message, "MessageTimeStamp", sent.isoformat(timespec="seconds"))


def _seller(root: etree._Element, doc: DocumentData) -> None:
    seller = doc.seller
    party = _sub(root, "SellerPartyDetails")
    if seller.business_id:
        _sub(party, "SellerPartyIdentifier", seller.business_id)
    _sub(party, "SellerOrganisationName", seller.name[:70])
    if seller.vat_number:
        _sub(party, "SellerOrganisationTaxCode", seller.vat_number)
    _address(party, "Seller", seller.address)
    if doc.salesperson:
        _sub(root, "SellerContactPersonName", doc.salesperson[:70])
    if seller.phone or seller.email:
        communication = _sub(root, "SellerCommunicationDetails")
        if seller.phone:
            _sub(communication, "SellerPhoneNumberIdentifier", seller.phone)
        if seller.email:
            _sub(communication, "SellerEmailaddressIdentifier", seller.email)
    if seller.bic:
        information = _sub(root, "SellerInformationDetails")
        account = _sub(information, "SellerAccountDetails")
        _sub(account, "SellerAccountID", compact(seller.iban), IdentificationSchemeName="IBAN")
        _sub(account, "SellerBic", compact(seller.bic), IdentificationSchemeName="BIC")


def _buyer(root: etree._Element, doc: DocumentData) -> None:
    buyer = doc.buyer
    _sub(root, "InvoiceRecipientLanguageCode", doc.language.upper())
    party = _sub(root, "BuyerPartyDetails")
    if buyer.business_id:
        _sub(party, "BuyerPartyIdentifier", buyer.business_id)
    _sub(party, "BuyerOrganisationName", buyer.name[:70])
    if buyer.vat_number:
        _sub(party, "BuyerOrganisationTaxCode", buyer.vat_number)
    _address(party, "Buyer", buyer.billing_address)
    if buyer.einvoice_address:
        _sub(root, "BuyerOrganisationUnitNumber", buyer.einvoice_address)
    if doc.contact_person:
        _sub(root, "BuyerContactPersonName", doc.contact_person[:70])
    if doc.delivery_date:
        _date(_sub(root, "DeliveryDetails"), "DeliveryDate", doc.delivery_date)


def _invoice_details(root: etree._Element, doc: DocumentData) -> None:
    cur = doc.currency
    details = _sub(root, "InvoiceDetails")
    _sub(details, "InvoiceTypeCode", TYPE_CODES[doc.kind])
    _sub(details, "InvoiceTypeText", TYPE_TEXTS[doc.kind][doc.language])
    _sub(details, "OriginCode", "Original")
    _sub(details, "InvoiceNumber", doc.number)
    _date(details, "InvoiceDate", doc.issue_date)
    if doc.credited_number:
        _sub(details, "OriginalInvoiceNumber", doc.credited_number)
    if doc.our_reference:
        _sub(details, "SellerReferenceIdentifier", doc.our_reference[:70])
    if doc.buyer.customer_number:
        _sub(details, "SellersBuyerIdentifier", doc.buyer.customer_number)
    if doc.salesperson:
        _sub(details, "SalesPersonName", doc.salesperson[:35])
    if doc.your_reference:
        _sub(details, "BuyerReferenceIdentifier", doc.your_reference[:70])
    _money(details, "InvoiceTotalVatExcludedAmount", doc.net_total, cur)
    _money(details, "InvoiceTotalVatAmount", doc.vat_total, cur)
    _money(details, "InvoiceTotalVatIncludedAmount", doc.gross_total, cur)
    for part in doc.vat_breakdown:
        vat = _sub(details, "VatSpecificationDetails")
        _money(vat, "VatBaseAmount", part.net, cur)
        _sub(vat, "VatRatePercent", number(part.rate))
        _sub(vat, "VatCode", _vat_code(doc, part.rate))
        _money(vat, "VatRateAmount", part.vat, cur)
        if doc.reverse_charge:
            _sub(vat, "VatFreeText", REVERSE_CHARGE_TEXT[doc.language])
    for start in range(0, len(doc.notes), 512):
        _sub(details, "InvoiceFreeText", doc.notes[start : start + 512])
    if doc.reverse_charge:
        _sub(details, "InvoiceVatFreeText", REVERSE_CHARGE_TEXT[doc.language])
    terms = _sub(details, "PaymentTermsDetails")
    text = doc.payment_terms
    if not text and doc.payment_term_days is not None:
        text = PAYMENT_TERMS_TEXT[doc.language].format(days=doc.payment_term_days)
    if text:
        _sub(terms, "PaymentTermsFreeText", text[:70])
    if doc.due_date:
        _date(terms, "InvoiceDueDate", doc.due_date)
    if doc.seller.penalty_interest is not None:
        fine = _sub(terms, "PaymentOverDueFineDetails")
        _sub(fine, "PaymentOverDueFineFreeText", PENALTY_TEXT[doc.language])
        _sub(fine, "PaymentOverDueFinePercent", number(doc.seller.penalty_interest))


def _vat_code(doc: DocumentData, rate: Decimal) -> str:
    if doc.reverse_charge:
        return "AE"
    return "S" if rate else "Z"


def _rows(root: etree._Element, doc: DocumentData) -> None:
    cur = doc.currency
    for line in doc.lines:
        row = _sub(root, "InvoiceRow")
        if line.code:
            _sub(row, "ArticleIdentifier", line.code[:70])
        _sub(row, "ArticleName", line.description[:100])
        if len(line.description) > 100:
            _sub(row, "ArticleDescription", line.description[:512])
        _sub(row, "InvoicedQuantity", number(line.quantity), QuantityUnitCode=line.unit[:14])
        _sub(row, "UnitPriceAmount", amount(line.unit_price), AmountCurrencyIdentifier=cur)
        if line.discount_percent:
            _sub(row, "RowDiscountPercent", number(line.discount_percent))
        _sub(row, "RowVatRatePercent", number(line.vat_rate))
        _sub(row, "RowVatCode", _vat_code(doc, line.vat_rate))
        _money(row, "RowVatAmount", line.vat, cur)
        _money(row, "RowVatExcludedAmount", line.net, cur)
        _money(row, "RowAmount", line.gross, cur)


def _epi(root: etree._Element, doc: DocumentData) -> None:
    seller = doc.seller
    epi = _sub(root, "EpiDetails")
    identification = _sub(epi, "EpiIdentificationDetails")
    _date(identification, "EpiDate", doc.issue_date)
    _sub(identification, "EpiReference", compact(doc.number))
    party = _sub(epi, "EpiPartyDetails")
    bank = _sub(party, "EpiBfiPartyDetails")
    if seller.bic:
        _sub(bank, "EpiBfiIdentifier", compact(seller.bic), IdentificationSchemeName="BIC")
    beneficiary = _sub(party, "EpiBeneficiaryPartyDetails")
    _sub(beneficiary, "EpiNameAddressDetails", seller.name[:35])
    _sub(beneficiary, "EpiAccountID", compact(seller.iban), IdentificationSchemeName="IBAN")
    instruction = _sub(epi, "EpiPaymentInstructionDetails")
    if doc.reference:
        reference = compact(doc.reference)
        scheme = "ISO" if reference.startswith("RF") else "SPY"
        _sub(instruction, "EpiRemittanceInfoIdentifier", reference, IdentificationSchemeName=scheme)
    _money(instruction, "EpiInstructedAmount", doc.gross_total, doc.currency)
    _sub(instruction, "EpiCharge", "SLEV", ChargeOption="SLEV")
    _date(instruction, "EpiDateOptionDate", doc.due_date or doc.issue_date)


def barcode_of(doc: DocumentData) -> str | None:
    """The virtual barcode of an invoice to pay, or None when it has none."""
    if doc.kind != "invoice" or not doc.reference or doc.gross_total <= 0:
        return None
    try:
        return virtual_barcode(doc.seller.iban, doc.gross_total, doc.reference, doc.due_date)
    except BarcodeError:
        return None


def finvoice_tree(doc: DocumentData, sent: datetime | None = None) -> etree._Element:
    """The ``<Finvoice Version="3.0">`` element of ``doc``; ``FinvoiceError`` if it cannot be."""
    _check(doc)
    root = etree.Element("Finvoice", Version="3.0")
    _transmission(root, doc, sent or datetime.now(UTC))
    _seller(root, doc)
    _buyer(root, doc)
    _invoice_details(root, doc)
    code = barcode_of(doc)
    if code:
        _sub(root, "VirtualBankBarcode", code)
    _rows(root, doc)
    _epi(root, doc)
    return root


def finvoice_xml(doc: DocumentData, sent: datetime | None = None) -> bytes:
    """The Finvoice 3.0 document of ``doc`` as UTF-8 XML bytes."""
    return etree.tostring(
        finvoice_tree(doc, sent), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
