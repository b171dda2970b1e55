"""The XML Netvisor takes and gives: builders for what we send, parsers for its answers.

Netvisor writes decimals with a comma and dates as ``YYYY-MM-DD`` marked
``format="ansi"``. Every answer is ``<Root>`` with a ``<ResponseStatus>``:
``<Status>OK</Status>``, or ``<Status>FAILED</Status>`` followed by a second
``<Status>`` holding the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from plugins.accounting_link.document_data import Buyer, DocumentData
from plugins.accounting_link.netvisor.errors import NetvisorFailed, NetvisorMalformed
from plugins.accounting_link.references import compact

#: Netvisor's VAT codes: domestic sales, and EU sales of services under reverse charge.
VAT_DOMESTIC = "KOMY"
VAT_REVERSE_CHARGE = "EUPM"
#: The invoice states ``updatesalesinvoicestatus.nv`` accepts.
STATUSES = ("unsent", "open", "sent", "overdue", "paid", "cancelled")


@dataclass(frozen=True)
class Payment:
    """A payment Netvisor has booked on a sales invoice."""

    key: str
    paid_on: date
    amount: Decimal
    payer: str = ""


@dataclass(frozen=True)
class InvoiceState:
    """A sales invoice as Netvisor has it: its status, open sum and payments."""

    key: str
    number: str
    status: str
    total: Decimal
    open_amount: Decimal
    reference: str = ""
    payments: tuple[Payment, ...] = ()


def decimal_text(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str):
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _ansi(parent: etree._Element, tag: str, day: date) -> None:
    _sub(parent, tag, day.isoformat(), format="ansi")


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def customer_xml(buyer: Buyer, language: str = "fi") -> bytes:
    """``customer.nv?method=add``: the customer's base, e-invoicing and language details."""
    root = etree.Element("Root")
    customer = _sub(root, "Customer")
    base = _sub(customer, "CustomerBaseInformation")
    if buyer.customer_number:
        _sub(base, "InternalIdentifier", buyer.customer_number)
    if buyer.business_id:
        _sub(base, "ExternalIdentifier", buyer.business_id)
    _sub(base, "Name", buyer.name[:250])
    address = buyer.billing_address
    _sub(base, "StreetAddress", address.street)
    _sub(base, "City", address.city)
    _sub(base, "PostNumber", address.postcode)
    _sub(base, "Country", address.country, type="ISO-3166")
    if buyer.einvoice_address:
        finvoice = _sub(customer, "CustomerFinvoiceDetails")
        _sub(finvoice, "FinvoiceAddress", buyer.einvoice_address)
        _sub(finvoice, "FinvoiceRouterCode", buyer.einvoice_operator)
    additional = _sub(customer, "CustomerAdditionalInformation")
    _sub(additional, "InvoicingLanguage", language.upper())
    if buyer.vat_number:
        _sub(additional, "VatCode", buyer.vat_number)
    return _bytes(root)


def sales_invoice_xml(doc: DocumentData, customer_key: str) -> bytes:
    """``salesinvoice.nv?method=add``: an invoice, or with ``InvoiceType`` order a sales order."""
    if doc.kind not in ("invoice", "order", "credit_note"):
        raise ValueError(f"Netvisor takes invoices, credit notes and orders, not {doc.kind}.")
    root = etree.Element("Root")
    invoice = _sub(root, "SalesInvoice")
    _sub(invoice, "SalesInvoiceNumber", doc.number)
    _ansi(invoice, "SalesInvoiceDate", doc.issue_date)
    if doc.delivery_date:
        _ansi(invoice, "SalesInvoiceDeliveryDate", doc.delivery_date)
    if doc.reference:
        _sub(invoice, "SalesInvoiceReferencenumber", compact(doc.reference))
    _sub(
        invoice,
        "SalesInvoiceAmount",
        decimal_text(doc.gross_total),
        iso4217currencycode=doc.currency,
    )
    if doc.salesperson:
        _sub(invoice, "SellerName", doc.salesperson)
    _sub(invoice, "InvoiceType", "order" if doc.kind == "order" else "invoice")
    _sub(invoice, "SalesInvoiceStatus", "unsent", type="netvisor")
    if doc.notes:
        _sub(invoice, "SalesInvoiceFreeTextAfterLines", doc.notes)
    if doc.our_reference:
        _sub(invoice, "SalesInvoiceOurReference", doc.our_reference)
    if doc.your_reference:
        _sub(invoice, "SalesInvoiceYourReference", doc.your_reference)
    if doc.credited_number:
        _sub(invoice, "SalesInvoiceCreditedInvoiceNumber", doc.credited_number)
    _sub(invoice, "InvoicingCustomerIdentifier", customer_key, type="netvisor")
    buyer = doc.buyer
    _sub(invoice, "InvoicingCustomerName", buyer.name)
    _sub(invoice, "InvoicingCustomerAddressline", buyer.billing_address.street)
    _sub(invoice, "InvoicingCustomerPostnumber", buyer.billing_address.postcode)
    _sub(invoice, "InvoicingCustomerTown", buyer.billing_address.city)
    _sub(invoice, "InvoicingCustomerCountryCode", buyer.billing_address.country, type="ISO-3166")
    if doc.payment_term_days is not None:
        _sub(invoice, "PaymentTermNetDays", str(doc.payment_term_days))
    if doc.due_date:
        _ansi(invoice, "SalesInvoiceDueDate", doc.due_date)
    lines = _sub(invoice, "InvoiceLines")
    vat_code = VAT_REVERSE_CHARGE if doc.reverse_charge else VAT_DOMESTIC
    for line in doc.lines:
        product = _sub(_sub(lines, "InvoiceLine"), "SalesInvoiceProductLine")
        _sub(product, "ProductIdentifier", line.code or "-", type="customer")
        _sub(product, "ProductName", line.description[:200])
        _sub(product, "ProductUnitPrice", decimal_text(line.unit_price), type="net")
        _sub(product, "ProductVatPercentage", decimal_text(line.vat_rate), vatcode=vat_code)
        _sub(product, "SalesInvoiceProductLineQuantity", decimal_text(line.quantity))
        if line.discount_percent:
            _sub(
                product,
                "SalesInvoiceProductLineDiscountPercentage",
                decimal_text(line.discount_percent),
            )
        _sub(product, "SalesInvoiceProductLineUnit", line.unit)
        _sub(product, "SalesInvoiceProductLineVatSum", decimal_text(line.vat))
        _sub(product, "SalesInvoiceProductLineSum", decimal_text(line.gross))
    return _bytes(root)


@dataclass(frozen=True)
class OrderLineDelivery:
    """How much of one sales order line (Netvisor's key of the line) is delivered, and when."""

    line_key: str
    amount: Decimal
    delivered_on: date


def order_invoicing_xml(
    customer_key: str, invoice_date: date, deliveries: Sequence[OrderLineDelivery]
) -> bytes:
    """``salesorderinvoicing.nv``: deliver (and invoice) lines of a sales order pushed earlier.

    As documented: the invoicing customer's key, the date and, per order
    line, its key, delivery date and delivered amount (not a post-delivery).
    """
    if not deliveries:
        raise ValueError("Netvisor needs at least one order line to deliver.")
    root = etree.Element("root")
    customer = _sub(_sub(root, "salesorderinvoicing"), "invoicingcustomer")
    _sub(customer, "netvisorkey", customer_key)
    _ansi(customer, "invoicedate", invoice_date)
    lines = _sub(customer, "invoicingproductlines")
    for delivery in deliveries:
        line = _sub(lines, "invoicingproductline")
        _sub(line, "netvisorkey", delivery.line_key)
        _ansi(line, "deliverydate", delivery.delivered_on)
        _sub(line, "deliveryamount", decimal_text(delivery.amount), ispostdelivery="false")
    return _bytes(root)


def status_update_xml(invoice_key: str, status: str) -> bytes:
    """``updatesalesinvoicestatus.nv``: set a sales invoice's status (one of ``STATUSES``)."""
    if status not in STATUSES:
        raise ValueError(f"Netvisor has no invoice status {status!r}.")
    root = etree.Element("Root")
    update = _sub(root, "SalesInvoiceStatusUpdate")
    _sub(update, "SalesInvoiceNetvisorKey", invoice_key)
    _sub(update, "Status", status, type="netvisor")
    return _bytes(root)


# Reading answers


def parse_answer(body: bytes) -> etree._Element:
    """The ``<Root>`` of an OK answer; ``NetvisorFailed`` or ``NetvisorMalformed`` otherwise."""
    try:
        root = etree.fromstring(
            body, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as error:
        raise NetvisorMalformed(str(error)) from error
    statuses = root.findall("ResponseStatus/Status")
    if root.tag != "Root" or not statuses:
        raise NetvisorMalformed("no <Root><ResponseStatus><Status>")
    status = (statuses[0].text or "").strip()
    if status == "OK":
        return root
    if status == "FAILED":
        reason = " ".join((s.text or "").strip() for s in statuses[1:]).strip()
        raise NetvisorFailed(reason or "no reason given")
    raise NetvisorMalformed(f"unknown status {status!r}")


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path)
    if found is None or found.text is None:
        raise NetvisorMalformed(f"<{path}> missing")
    return found.text.strip()


def _decimal(element: etree._Element, path: str) -> Decimal:
    text = _text(element, path)
    try:
        return Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation as error:
        raise NetvisorMalformed(f"<{path}> is not a number: {text!r}") from error


def _date(element: etree._Element, path: str) -> date:
    text = _text(element, path)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise NetvisorMalformed(f"<{path}> is not a date: {text!r}") from error


def inserted_key(root: etree._Element) -> str:
    """The key Netvisor gave what was added (``Replies/InsertedDataIdentifier``)."""
    return _text(root, "Replies/InsertedDataIdentifier")


def _child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child named ``name`` in any letter case (Netvisor's lists vary in it)."""
    return next((c for c in element if str(c.tag).lower() == name.lower()), None)


def parse_customer_list(root: etree._Element) -> list[tuple[str, str, str]]:
    """A ``customerlist.nv`` answer: each customer's ``(key, code, business ID)``."""
    listing = _child(root, "Customerlist")
    found = []
    for customer in listing if listing is not None else ():
        values = [
            _child(customer, tag) for tag in ("Netvisorkey", "Code", "OrganisationIdentifier")
        ]
        if values[0] is None or not (values[0].text or "").strip():
            raise NetvisorMalformed("<Customer> without <Netvisorkey>")
        found.append(tuple((v.text or "").strip() if v is not None else "" for v in values))
    return found


def parse_order_line_keys(root: etree._Element) -> list[str]:
    """A ``getorder.nv`` answer: the keys of the order's product lines, in their order."""
    order = _child(root, "SalesInvoice")
    if order is None:
        raise NetvisorMalformed("<SalesInvoice> missing")
    keys = []
    lines = _child(order, "InvoiceLines")
    for line in lines if lines is not None else ():
        product = _child(line, "SalesInvoiceProductLine")
        key = _child(product, "NetvisorKey") if product is not None else None
        if product is not None and (key is None or not (key.text or "").strip()):
            raise NetvisorMalformed("<SalesInvoiceProductLine> without <NetvisorKey>")
        if key is not None:
            keys.append((key.text or "").strip())
    return keys


def parse_invoice_list(root: etree._Element) -> list[InvoiceState]:
    """A ``salesinvoicelist.nv`` answer: each invoice's status and open sum (no payments)."""
    return [
        InvoiceState(
            key=_text(item, "NetvisorKey"),
            number=_text(item, "InvoiceNumber"),
            status=_text(item, "InvoiceStatus"),
            total=_decimal(item, "InvoiceSum"),
            open_amount=_decimal(item, "OpenSum"),
            reference=item.findtext("ReferenceNumber") or "",
        )
        for item in root.findall("SalesInvoiceList/SalesInvoice")
    ]


def parse_invoice(root: etree._Element) -> InvoiceState:
    """A ``getsalesinvoice.nv`` answer: the invoice with its payments."""
    invoice = root.find("SalesInvoice")
    if invoice is None:
        raise NetvisorMalformed("<SalesInvoice> missing")
    payments = tuple(
        Payment(
            key=_text(p, "NetvisorKey"),
            paid_on=_date(p, "PaymentDate"),
            amount=_decimal(p, "PaymentSum"),
            payer=p.findtext("PayerName") or "",
        )
        for p in invoice.findall("SalesInvoicePayments/SalesInvoicePayment")
    )
    return InvoiceState(
        key=_text(invoice, "SalesInvoiceNetvisorKey"),
        number=_text(invoice, "SalesInvoiceNumber"),
        status=_text(invoice, "InvoiceStatus"),
        total=_decimal(invoice, "SalesInvoiceAmount"),
        open_amount=_decimal(invoice, "SalesInvoiceOpenSum"),
        reference=invoice.findtext("SalesInvoiceReferencenumber") or "",
        payments=payments,
    )
