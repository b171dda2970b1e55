"""Documents: numbering, lines summed with Finnish rounding, VAT by rate, the bad input refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import all_tenants
from core.models import Event
from plugins.accounting_link.documents import DocumentInput, DocumentRefused, create_document
from plugins.accounting_link.models import DocumentKind, SalesDocument
from plugins.accounting_link.totals import document_totals, line_net
from tests.accounting_link.conftest import DAY, add_customer, line, make_doc


def test_line_amounts_round_half_up_to_cents_and_vat_is_rounded_per_rate():
    assert line_net(Decimal("3"), Decimal("0.335"), Decimal("0")) == Decimal("1.01")  # 1.005
    assert line_net(Decimal("1"), Decimal("99.99"), Decimal("12.5")) == Decimal("87.49")
    totals = document_totals(
        [
            (Decimal("0.10"), Decimal("25.50")),
            (Decimal("0.10"), Decimal("25.50")),
            (Decimal("10.00"), Decimal("13.50")),
        ],
        reverse_charge=False,
    )
    # 0.20 × 25.5 % = 0.051 → 0.05 once for the rate, not 0.03 + 0.03 per line.
    assert [(p.percent, p.net, p.vat) for p in totals.parts] == [
        (Decimal("25.50"), Decimal("0.20"), Decimal("0.05")),
        (Decimal("13.50"), Decimal("10.00"), Decimal("1.35")),
    ]
    assert (totals.net, totals.vat, totals.gross) == (
        Decimal("10.20"),
        Decimal("1.40"),
        Decimal("11.60"),
    )


def test_an_invoice_gets_the_next_number_its_totals_and_history_on_task_and_customer(db, shop):
    first = make_doc(db, shop)
    second = make_doc(db, shop)

    assert second.number == first.number + 1
    # 10 h × 68,00 = 680,00 at 25,5 %; 3 × 7,90 = 23,70 at 13,5 %.
    assert first.net_total == Decimal("703.70")
    assert first.vat_total == Decimal("173.40") + Decimal("3.20")
    assert first.gross_total == Decimal("880.30")
    assert first.state == "draft"
    assert first.due_date == DAY.replace(day=16)
    assert first.salesperson_user_id == shop.maija.id
    with all_tenants(db):
        kinds = db.execute(
            select(Event.entity, Event.record_id).where(
                Event.kind == "sales_document_created",
                Event.payload["number"].as_integer() == first.number,
            )
        ).all()
    assert sorted(kinds) == sorted([("task", shop.task.id), ("customer", shop.customer.id)])


def test_a_negative_quantity_is_refused_outside_a_credit_note(db, shop):
    with pytest.raises(DocumentRefused) as refused:
        make_doc(db, shop, lines=[line(shop, "2", "10"), line(shop, "-1", "10")])

    assert refused.value.field == "lines-1-quantity"
    assert db.scalar(select(func.count()).select_from(SalesDocument)) == 0


def test_a_vat_rate_not_valid_on_the_document_date_is_refused(db, shop):
    # 14 % ended on 31.12.2025; the document is dated 2.3.2026.
    with pytest.raises(DocumentRefused) as refused:
        make_doc(db, shop, lines=[line(shop, "1", "10", "14.00")])

    assert refused.value.field == "lines-0-vat_rate_id"
    assert "02.03.2026" in refused.value.message.interpolate()


def test_an_invoice_for_a_customer_without_a_billing_address_is_refused(db, shop):
    data = DocumentInput(customer=shop.no_address, document_date=DAY, lines=[line(shop, "1", "10")])
    with pytest.raises(DocumentRefused) as refused:
        create_document(db, DocumentKind.INVOICE, data, shop.maija)

    assert refused.value.field == "customer_id"
    # A quote needs no billing address.
    assert create_document(db, DocumentKind.QUOTE, data, shop.maija).state == "draft"


def test_an_eu_business_customer_with_a_vat_number_is_reverse_charged(db, shop):
    swede = add_customer(
        db,
        shop.tenant,
        "Svenska Bygg AB",
        vat_number="SE556677889901",
        billing_address={
            "street": "Storgatan 1",
            "postcode": "11122",
            "city": "Stockholm",
            "country": "SE",
        },
    )
    data = DocumentInput(customer=swede, document_date=DAY, lines=[line(shop, "10", "68.00")])

    doc = create_document(db, DocumentKind.INVOICE, data, shop.maija)

    assert doc.reverse_charge
    assert (doc.net_total, doc.vat_total, doc.gross_total) == (
        Decimal("680.00"),
        Decimal("0.00"),
        Decimal("680.00"),
    )
