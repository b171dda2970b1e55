"""How documents move: a quote is sent and accepted and becomes an order; an order is
delivered and invoiced in full or in part; an invoice is sent, paid or credited.

Each step checks the document's ``version`` against the one the user saw
(optimistic locking), changes the state and writes an event into the history
of the task and the customer (``documents.record_step``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.models import User, utcnow
from plugins.accounting_link import _
from plugins.accounting_link.documents import (
    DocumentInput,
    DocumentRefused,
    LineInput,
    create_document,
    record_step,
)
from plugins.accounting_link.models import (
    DocumentKind,
    DocumentLine,
    InvoiceState,
    OrderState,
    Payment,
    PaymentSource,
    QuoteState,
    SalesDocument,
)
from plugins.contacts.models import Customer

STATE_CHANGED = "sales_document_state_changed"
PAYMENT_RECEIVED = "sales_payment_received"

STALE = _(
    "Someone else changed this document while you were looking at it. Nothing was changed: "
    "check its state now and try again."
)
NOT_ALLOWED = _("This step is not possible in the document's present state.")
ALREADY_INVOICED = _("This order has already been invoiced in full: nothing is left to invoice.")
PAYMENT_TOO_LARGE = _("The payment is larger than the open amount (${open} €).")
PAYMENT_NOT_POSITIVE = _("Enter an amount greater than zero.")
NOT_AN_INVOICE = _("Payments are entered on invoices.")
DELIVERY_TOO_LARGE = _("More than was ordered cannot be delivered.")

#: The steps a user takes by a button: (kind, step) -> (states it starts from, state it leads to).
STEPS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    (DocumentKind.QUOTE, "send"): ((QuoteState.DRAFT,), QuoteState.SENT),
    (DocumentKind.QUOTE, "accept"): ((QuoteState.DRAFT, QuoteState.SENT), QuoteState.ACCEPTED),
    (DocumentKind.QUOTE, "reject"): ((QuoteState.DRAFT, QuoteState.SENT), QuoteState.REJECTED),
    (DocumentKind.QUOTE, "expire"): ((QuoteState.SENT,), QuoteState.EXPIRED),
    (DocumentKind.INVOICE, "send"): ((InvoiceState.DRAFT,), InvoiceState.SENT),
    (DocumentKind.CREDIT_NOTE, "send"): ((InvoiceState.DRAFT,), InvoiceState.SENT),
}

#: Invoice states in which money is still expected.
UNPAID_STATES = (InvoiceState.SENT, InvoiceState.PARTLY_PAID, InvoiceState.OVERDUE)


def check_version(doc: SalesDocument, version: int | None) -> None:
    if version is not None and version != doc.version:
        raise DocumentRefused(STALE, "version")


def available_steps(doc: SalesDocument) -> list[str]:
    """The button steps possible now, in the order the page shows them."""
    found = [
        step
        for (kind, step), (starts, _end) in STEPS.items()
        if kind == doc.kind and doc.state in starts
    ]
    if doc.kind == DocumentKind.QUOTE and doc.state == QuoteState.ACCEPTED:
        found.append("order")
    if doc.kind == DocumentKind.ORDER and doc.state != OrderState.INVOICED:
        found.extend(["deliver", "invoice"])
    if doc.kind == DocumentKind.INVOICE and doc.state in (*UNPAID_STATES, InvoiceState.PAID):
        found.append("credit")
    return found


def take_step(
    db: Any, doc: SalesDocument, step: str, user: User | None, version: int | None = None
) -> SalesDocument:
    """Take a button step; returns the document the user should see next (a new one or this)."""
    check_version(doc, version)
    if step == "order":
        return order_from_quote(db, doc, user)
    if step == "invoice":
        return invoice_from_order(db, doc, user)
    if step == "deliver":
        deliver(db, doc, None, user)
        return doc
    if step == "credit":
        return credit_invoice(db, doc, user)
    starts, end = STEPS.get((doc.kind, step), ((), ""))
    if doc.state not in starts:
        raise DocumentRefused(NOT_ALLOWED)
    set_state(db, doc, end, user)
    if step == "send":
        doc.sent_at = utcnow()
    return doc


def set_state(db: Any, doc: SalesDocument, state: str, user: User | None, **extra: Any) -> None:
    previous = doc.state
    doc.state = state
    db.flush()
    record_step(db, doc, STATE_CHANGED, user, previous=previous, **extra)


def _copy_lines(
    lines: list[DocumentLine], quantities: dict[int, Decimal] | None = None
) -> list[LineInput]:
    return [
        LineInput(
            description=line.description,
            quantity=quantities[line.id] if quantities is not None else line.quantity,
            unit_price=line.unit_price,
            vat_rate_id=line.vat_rate_id,
            unit=line.unit,
            discount_percent=line.discount_percent,
            product_id=line.product_id,
            source_line_id=line.id,
        )
        for line in lines
        if quantities is None or quantities.get(line.id)
    ]


def _follow_up(doc: SalesDocument, customer: Customer, lines: list[LineInput]) -> DocumentInput:
    return DocumentInput(
        customer=customer,
        task_id=doc.task_id,
        contact_person_id=doc.contact_person_id,
        salesperson_user_id=doc.salesperson_user_id,
        our_reference=doc.our_reference,
        your_reference=doc.your_reference,
        notes=doc.notes,
        lines=lines,
    )


def order_from_quote(db: Any, quote: SalesDocument, user: User | None) -> SalesDocument:
    if quote.kind != DocumentKind.QUOTE or quote.state != QuoteState.ACCEPTED:
        raise DocumentRefused(NOT_ALLOWED)
    customer = db.get(Customer, quote.customer_id)
    data = _follow_up(quote, customer, _copy_lines(quote.lines))
    return create_document(db, DocumentKind.ORDER, data, user, source=quote)


def deliver(
    db: Any, order: SalesDocument, quantities: dict[int, Decimal] | None, user: User | None
) -> None:
    """Record a delivery: ``quantities`` by order line id, or everything not yet delivered."""
    if order.kind != DocumentKind.ORDER or order.state == OrderState.INVOICED:
        raise DocumentRefused(NOT_ALLOWED)
    for line in order.lines:
        more = (
            quantities.get(line.id, Decimal("0"))
            if quantities is not None
            else line.quantity - line.delivered_quantity
        )
        if more < 0 or line.delivered_quantity + more > line.quantity:
            raise DocumentRefused(DELIVERY_TOO_LARGE, f"delivered-{line.id}")
        line.delivered_quantity += more
    _update_order_state(db, order, user)


def _update_order_state(db: Any, order: SalesDocument, user: User | None) -> None:
    lines = order.lines
    if all(line.invoiced_quantity >= line.quantity for line in lines):
        state = OrderState.INVOICED
    elif all(line.delivered_quantity >= line.quantity for line in lines):
        state = OrderState.DELIVERED
    elif any(line.delivered_quantity > 0 for line in lines):
        state = OrderState.PARTLY_DELIVERED
    else:
        state = OrderState.OPEN
    if state != order.state:
        set_state(db, order, state, user)
    else:
        db.flush()


def invoice_from_order(db: Any, order: SalesDocument, user: User | None) -> SalesDocument:
    """Invoice what is delivered and not yet invoiced; if nothing is delivered, all that is left."""
    if order.kind != DocumentKind.ORDER:
        raise DocumentRefused(NOT_ALLOWED)
    delivered = {ln.id: ln.delivered_quantity - ln.invoiced_quantity for ln in order.lines}
    if not any(q > 0 for q in delivered.values()):
        delivered = {ln.id: ln.quantity - ln.invoiced_quantity for ln in order.lines}
    if order.state == OrderState.INVOICED or not any(q > 0 for q in delivered.values()):
        raise DocumentRefused(ALREADY_INVOICED)
    customer = db.get(Customer, order.customer_id)
    data = _follow_up(order, customer, _copy_lines(order.lines, delivered))
    invoice = create_document(db, DocumentKind.INVOICE, data, user, source=order)
    order.settled_total += invoice.gross_total
    for line in order.lines:
        line.invoiced_quantity += max(delivered[line.id], Decimal("0"))
        line.delivered_quantity = max(line.delivered_quantity, line.invoiced_quantity)
    _update_order_state(db, order, user)
    return invoice


def credit_invoice(db: Any, invoice: SalesDocument, user: User | None) -> SalesDocument:
    """A credit note reversing ``invoice`` in full; the invoice becomes credited."""
    if invoice.kind != DocumentKind.INVOICE or invoice.state in (
        InvoiceState.DRAFT,
        InvoiceState.CREDITED,
    ):
        raise DocumentRefused(NOT_ALLOWED)
    customer = db.get(Customer, invoice.customer_id)
    lines = _copy_lines(invoice.lines)
    for line in lines:
        line.quantity = -line.quantity
    note = create_document(
        db, DocumentKind.CREDIT_NOTE, _follow_up(invoice, customer, lines), user, source=invoice
    )
    set_state(db, invoice, InvoiceState.CREDITED, user, credit_note=note.number)
    if invoice.source_id is not None:
        order = db.get(SalesDocument, invoice.source_id)
        by_id = {ln.id: ln for ln in order.lines}
        for line in invoice.lines:
            if line.source_line_id in by_id:
                by_id[line.source_line_id].invoiced_quantity -= line.quantity
        order.settled_total -= invoice.gross_total
        _update_order_state(db, order, user)
    return note


def add_payment(
    db: Any,
    invoice: SalesDocument,
    amount: Decimal,
    paid_on: date,
    user: User | None = None,
    source: str = PaymentSource.MANUAL,
    external_id: str | None = None,
    payer: str = "",
) -> Payment | None:
    """Record money received; None when this external payment is already recorded."""
    if invoice.kind != DocumentKind.INVOICE:
        raise DocumentRefused(NOT_AN_INVOICE, "amount")
    if external_id is not None and db.scalar(
        select(Payment.id).where(Payment.source == source, Payment.external_id == external_id)
    ):
        return None
    if amount <= 0:
        raise DocumentRefused(PAYMENT_NOT_POSITIVE, "amount")
    if invoice.state not in UNPAID_STATES or amount > invoice.open_amount:
        open_amount = invoice.open_amount if invoice.state in UNPAID_STATES else Decimal("0.00")
        raise DocumentRefused(
            _(PAYMENT_TOO_LARGE, mapping={"open": f"{open_amount:.2f}".replace(".", ",")}), "amount"
        )
    payment = Payment(
        document_id=invoice.id,
        amount=amount,
        paid_on=paid_on,
        source=source,
        external_id=external_id,
        payer=payer,
        created_by_id=user.id if user is not None else None,
    )
    db.add(payment)
    invoice.settled_total += amount
    state = InvoiceState.PAID if invoice.open_amount == 0 else InvoiceState.PARTLY_PAID
    invoice.state = state
    db.flush()
    record_step(
        db, invoice, PAYMENT_RECEIVED, user, amount=str(amount), paid_on=paid_on.isoformat()
    )
    return payment


def mark_overdue(db: Any, today: date) -> int:
    """Sent and partly paid invoices past their due date become overdue; how many did."""
    due = list(
        db.scalars(
            select(SalesDocument).where(
                SalesDocument.kind == DocumentKind.INVOICE,
                SalesDocument.state.in_((InvoiceState.SENT, InvoiceState.PARTLY_PAID)),
                SalesDocument.due_date < today,
            )
        )
    )
    for doc in due:
        set_state(db, doc, InvoiceState.OVERDUE, None)
    return len(due)
