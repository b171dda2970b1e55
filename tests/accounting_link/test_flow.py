"""The flow: quote → order → delivery and invoicing in part or in full → payments → credit note."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.models import Event
from plugins.accounting_link.documents import DocumentRefused
from plugins.accounting_link.flow import add_payment, deliver, mark_overdue, take_step
from plugins.accounting_link.models import DocumentKind, Payment
from tests.accounting_link.conftest import make_doc


def task_history(db, shop) -> list[tuple[str, str, str]]:
    with all_tenants(db):
        events = db.scalars(
            select(Event)
            .where(Event.entity == "task", Event.record_id == shop.task.id)
            .order_by(Event.id)
        )
        return [(e.kind, e.payload["document_kind"], e.payload["state"]) for e in events]


def test_a_quote_is_sent_accepted_and_becomes_an_order_invoiced_in_two_parts(db, shop):
    quote = make_doc(db, shop, DocumentKind.QUOTE)
    take_step(db, quote, "send", shop.maija, quote.version)
    take_step(db, quote, "accept", shop.maija)
    order = take_step(db, quote, "order", shop.maija)
    assert (order.kind, order.state, order.source_id) == ("order", "open", quote.id)
    assert order.gross_total == quote.gross_total

    hours, coffee = order.lines
    deliver(db, order, {hours.id: Decimal("4")}, shop.maija)
    assert order.state == "partly_delivered"
    first = take_step(db, order, "invoice", shop.maija)
    assert [(ln.quantity, ln.description) for ln in first.lines] == [
        (Decimal("4.000"), "Asennustyö")
    ]
    assert first.gross_total == Decimal("341.36")  # 4 × 68 × 1,255
    assert order.state == "partly_delivered"
    assert order.open_amount == order.gross_total - first.gross_total

    second = take_step(db, order, "invoice", shop.maija)  # nothing more delivered: the rest
    assert [ln.quantity for ln in second.lines] == [Decimal("6.000"), Decimal("3.000")]
    assert order.state == "invoiced"
    assert order.open_amount == 0

    assert task_history(db, shop)[:4] == [
        ("sales_document_created", "quote", "draft"),
        ("sales_document_state_changed", "quote", "sent"),
        ("sales_document_state_changed", "quote", "accepted"),
        ("sales_document_created", "order", "open"),
    ]


def test_a_second_invoice_for_an_invoiced_order_is_refused(db, shop):
    order = make_doc(db, shop, DocumentKind.ORDER)
    take_step(db, order, "invoice", shop.maija)

    with pytest.raises(DocumentRefused) as refused:
        take_step(db, order, "invoice", shop.maija)

    assert "already been invoiced" in refused.value.message
    assert len(make_doc(db, shop, DocumentKind.ORDER).lines) == 2  # others still work


def test_payments_make_an_invoice_partly_paid_then_paid(db, shop):
    invoice = make_doc(db, shop)
    take_step(db, invoice, "send", shop.maija)

    add_payment(db, invoice, Decimal("300.00"), date(2026, 3, 10), shop.anna)
    assert (invoice.state, invoice.open_amount) == ("partly_paid", Decimal("580.30"))
    add_payment(db, invoice, Decimal("580.30"), date(2026, 3, 12), shop.anna)
    assert (invoice.state, invoice.open_amount) == ("paid", Decimal("0.00"))
    assert task_history(db, shop)[-1] == ("sales_payment_received", "invoice", "paid")


def test_a_payment_larger_than_the_open_amount_is_refused(db, shop):
    invoice = make_doc(db, shop)
    take_step(db, invoice, "send", shop.maija)

    with pytest.raises(DocumentRefused) as refused:
        add_payment(db, invoice, Decimal("880.31"), date(2026, 3, 10), shop.anna)

    assert refused.value.field == "amount"
    assert "880,30" in refused.value.message.interpolate()
    assert db.scalars(select(Payment)).all() == []
    assert invoice.state == "sent"


def test_the_same_bank_payment_is_recorded_once(db, shop):
    invoice = make_doc(db, shop)
    take_step(db, invoice, "send", shop.maija)
    for _attempt in range(2):
        add_payment(
            db, invoice, Decimal("100"), date(2026, 3, 10), source="bank_file", external_id="A1"
        )
    assert invoice.settled_total == Decimal("100.00")


def test_a_stale_version_changes_nothing(db, shop):
    quote = make_doc(db, shop, DocumentKind.QUOTE)
    seen = quote.version
    take_step(db, quote, "send", shop.maija, seen)

    with pytest.raises(DocumentRefused) as refused:
        take_step(db, quote, "reject", shop.maija, seen)

    assert refused.value.field == "version"
    assert quote.state == "sent"


def test_a_credit_note_reverses_an_invoice_and_reopens_its_order(db, shop):
    order = make_doc(db, shop, DocumentKind.ORDER)
    invoice = take_step(db, order, "invoice", shop.maija)
    take_step(db, invoice, "send", shop.maija)

    note = take_step(db, invoice, "credit", shop.maija)

    assert (note.kind, note.gross_total, note.source_id) == (
        "credit_note",
        -invoice.gross_total,
        invoice.id,
    )
    assert invoice.state == "credited"
    assert order.state == "delivered"
    assert order.open_amount == order.gross_total
    invoice_again = take_step(db, order, "invoice", shop.maija)
    assert invoice_again.gross_total == invoice.gross_total


def test_unpaid_invoices_past_due_become_overdue(db, shop):
    invoice = make_doc(db, shop)
    draft = make_doc(db, shop)
    take_step(db, invoice, "send", shop.maija)

    assert mark_overdue(db, date(2026, 3, 17)) == 1
    assert (invoice.state, draft.state) == ("overdue", "draft")
    add_payment(db, invoice, invoice.gross_total, date(2026, 3, 18))
    assert invoice.state == "paid"


def test_invoices_are_numbered_in_turn_and_each_made_with_its_reference(db, shop):
    """However an invoice is made (typed, from an order), it has the reference of its number."""
    from plugins.accounting_link.references import validate

    typed = make_doc(db, shop)
    order = make_doc(db, shop, DocumentKind.ORDER)
    from_order = take_step(db, order, "invoice", shop.maija)
    assert (typed.number, from_order.number) == (10000, 10001)
    assert [typed.reference, from_order.reference] == ["1 00007", "1 00010"]
    assert validate(from_order.reference)
    db.flush()
    db.refresh(from_order)
    assert from_order.reference == "1 00010"
