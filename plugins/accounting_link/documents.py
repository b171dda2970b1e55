"""Making sales documents: numbers, lines checked and summed, the customer's billing details.

Every function works in the caller's transaction and raises ``DocumentRefused``
(with the form field it is about) before writing anything, so bad input leaves
no half-made document behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from core.history import record_event
from core.models import User
from plugins.accounting_link import _
from plugins.accounting_link.models import (
    AccountingSettings,
    DocumentKind,
    DocumentLine,
    InvoiceState,
    NumberSeries,
    OrderState,
    QuoteState,
    SalesDocument,
    VatRate,
)
from plugins.accounting_link.payment_refs import reference_of
from plugins.accounting_link.totals import document_totals, line_net
from plugins.contacts.models import Customer

INITIAL_STATE = {
    DocumentKind.QUOTE: QuoteState.DRAFT,
    DocumentKind.ORDER: OrderState.OPEN,
    DocumentKind.INVOICE: InvoiceState.DRAFT,
    DocumentKind.CREDIT_NOTE: InvoiceState.DRAFT,
}

#: Numbers start here per kind, so a quote, an order and an invoice are told apart.
FIRST_NUMBER = {
    DocumentKind.QUOTE: 1000,
    DocumentKind.ORDER: 5000,
    DocumentKind.INVOICE: 10000,
    DocumentKind.CREDIT_NOTE: 90000,
}

DOCUMENT_CREATED = "sales_document_created"

NEGATIVE_QUANTITY = _("The quantity cannot be negative; a credit note reverses an invoice.")
RATE_NOT_VALID = _("This VAT rate is not valid on the document's date (${day}).")
NO_RATE = _("Choose a VAT rate.")
NO_LINES = _("Add at least one line.")
NO_BILLING_ADDRESS = _(
    "The customer has no billing address. Add the street, postcode and city of its billing "
    "address on the customer's page before invoicing."
)
ARCHIVED_CUSTOMER = _("The customer is archived.")


class DocumentRefused(Exception):
    """A document cannot be made or changed as asked; ``message`` is for the user."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class LineInput:
    """A line as a form or a stage action gives it."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate_id: int
    unit: str = "kpl"
    discount_percent: Decimal = Decimal("0")
    product_id: int | None = None
    source_line_id: int | None = None


@dataclass
class DocumentInput:
    """A document's header fields; what is left out takes the tenant's defaults."""

    customer: Customer
    task_id: int | None = None
    contact_person_id: int | None = None
    salesperson_user_id: int | None = None
    document_date: date | None = None
    payment_term_days: int | None = None
    our_reference: str = ""
    your_reference: str = ""
    notes: str = ""
    reference: str | None = None
    lines: Sequence[LineInput] = field(default_factory=list)


def settings_of(db: Any) -> AccountingSettings:
    """The tenant's accounting settings, made with defaults the first time."""
    found = db.scalar(select(AccountingSettings))
    if found is None:
        found = AccountingSettings()
        db.add(found)
        db.flush()
    return found


def next_number(db: Any, kind: str) -> int:
    """The next number of ``kind``; the series row is locked until the transaction ends.

    One ``UPDATE ... RETURNING`` takes the number and the lock together; the
    row is made the first time (a concurrent first insert fails on the
    unique key and the request is retried).
    """
    taken = db.scalar(
        update(NumberSeries)
        .where(NumberSeries.kind == kind)
        .values(last=NumberSeries.last + 1)
        .returning(NumberSeries.last)
    )
    if taken is not None:
        return taken
    series = NumberSeries(kind=kind, last=FIRST_NUMBER[DocumentKind(kind)])
    db.add(series)
    db.flush()
    return series.last


def has_billing_address(customer: Customer) -> bool:
    address = customer.billing_address or {}
    return all((address.get(key) or "").strip() for key in ("street", "postcode", "city"))


def is_reverse_charge(customer: Customer) -> bool:
    """An EU business customer outside Finland with a VAT number: the buyer pays the VAT."""
    vat = (customer.vat_number or "").strip().upper()
    return customer.kind == "company" and len(vat) > 2 and not vat.startswith("FI")


def all_rates(db: Any) -> dict[int, VatRate]:
    """The tenant's VAT rates, valid or not, by id."""
    return {r.id: r for r in db.scalars(select(VatRate))}


def check_lines(
    db: Any,
    kind: str,
    day: date,
    lines: Sequence[LineInput],
    rates: dict[int, VatRate] | None = None,
) -> dict[int, VatRate]:
    """The VAT rates the lines use, by id; ``DocumentRefused`` naming the first bad field.

    ``rates`` is ``all_rates(db)`` when the caller has read it already.
    """
    if not lines:
        raise DocumentRefused(NO_LINES, "lines")
    rates = all_rates(db) if rates is None else rates
    for index, line in enumerate(lines):
        if line.quantity < 0 and kind != DocumentKind.CREDIT_NOTE:
            raise DocumentRefused(NEGATIVE_QUANTITY, f"lines-{index}-quantity")
        rate = rates.get(line.vat_rate_id)
        if rate is None:
            raise DocumentRefused(NO_RATE, f"lines-{index}-vat_rate_id")
        if not rate.valid_on(day):
            message = _(RATE_NOT_VALID, mapping={"day": day.strftime("%d.%m.%Y")})
            raise DocumentRefused(message, f"lines-{index}-vat_rate_id")
    return rates


def check_customer(kind: str, customer: Customer) -> None:
    if customer.archived_at is not None:
        raise DocumentRefused(ARCHIVED_CUSTOMER, "customer_id")
    if kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE) and not has_billing_address(
        customer
    ):
        raise DocumentRefused(NO_BILLING_ADDRESS, "customer_id")


def apply_lines(doc: SalesDocument, lines: Sequence[LineInput], rates: dict[int, VatRate]) -> None:
    """Replace the document's lines and recompute its totals."""
    doc.lines = [
        DocumentLine(
            position=position,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate_id=line.vat_rate_id,
            vat_percent=rates[line.vat_rate_id].percent,
            net_amount=line_net(line.quantity, line.unit_price, line.discount_percent),
            source_line_id=line.source_line_id,
        )
        for position, line in enumerate(lines)
    ]
    recompute(doc)


def recompute(doc: SalesDocument) -> None:
    totals = document_totals(
        ((ln.net_amount, ln.vat_percent) for ln in doc.lines), doc.reverse_charge
    )
    doc.net_total, doc.vat_total, doc.gross_total = totals.net, totals.vat, totals.gross


def create_document(
    db: Any,
    kind: str,
    data: DocumentInput,
    user: User | None = None,
    source: SalesDocument | None = None,
    rates: dict[int, VatRate] | None = None,
) -> SalesDocument:
    """A new document of ``kind``, numbered, with its lines and totals, in the history.

    An invoice gets its payment reference here: ``data.reference`` when typed,
    else one made from its number. ``rates`` is ``all_rates(db)`` when the
    caller has read it already. Written with one insert each for the document,
    its lines and its history (no update after).
    """
    day = data.document_date or date.today()
    check_customer(kind, data.customer)
    rates = check_lines(db, kind, day, data.lines, rates)
    settings = settings_of(db)
    terms = (
        data.payment_term_days if data.payment_term_days is not None else settings.payment_term_days
    )
    doc = SalesDocument(
        kind=kind,
        number=next_number(db, kind),
        state=INITIAL_STATE[DocumentKind(kind)],
        task_id=data.task_id,
        customer_id=data.customer.id,
        contact_person_id=data.contact_person_id,
        salesperson_user_id=data.salesperson_user_id,
        source_id=source.id if source is not None else None,
        document_date=day,
        payment_term_days=terms,
        language=data.customer.language or "fi",
        our_reference=data.our_reference,
        your_reference=data.your_reference,
        notes=data.notes,
        reverse_charge=is_reverse_charge(data.customer),
        created_by_id=user.id if user is not None else None,
    )
    if kind == DocumentKind.QUOTE:
        doc.due_date = day + timedelta(days=settings.quote_valid_days)
    elif kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE):
        doc.due_date = day + timedelta(days=terms)
    if kind == DocumentKind.INVOICE:
        doc.reference = reference_of(settings.reference_kind, doc.number, data.reference)
    apply_lines(doc, data.lines, rates)
    db.add(doc)
    db.flush()
    record_step(db, doc, DOCUMENT_CREATED, user)
    return doc


def record_step(
    db: Any, doc: SalesDocument, kind: str, user: User | None = None, **extra: Any
) -> None:
    """One step of a document in the history of its task and its customer."""
    payload = {
        "document_id": doc.id,
        "document_kind": doc.kind,
        "number": doc.number,
        "state": doc.state,
        "gross_total": str(doc.gross_total),
        **extra,
    }
    if doc.task_id is not None:
        record_event(db, "task", doc.task_id, kind, payload, user=user)
    record_event(db, "customer", doc.customer_id, kind, payload, user=user)
