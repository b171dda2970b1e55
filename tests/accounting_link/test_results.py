"""Results data: quote and order backlog, not-invoiced amounts by customer, salesperson, product."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugins.accounting_link.flow import deliver, take_step
from plugins.accounting_link.models import DocumentKind
from plugins.accounting_link.results import results
from tests.accounting_link.conftest import line, make_doc


def test_backlogs_and_not_invoiced_follow_the_flow(db, shop):
    product_line = line(shop, "10", "68.00")
    product_line.product_id = shop.products["ASENNUS"].id
    make_doc(db, shop, DocumentKind.QUOTE, lines=[product_line])
    rejected = make_doc(db, shop, DocumentKind.QUOTE)
    take_step(db, rejected, "reject", shop.maija)
    order = make_doc(db, shop, DocumentKind.ORDER, lines=[line(shop, "10", "50.00")])
    deliver(db, order, {order.lines[0].id: Decimal("4")}, shop.maija)

    by_customer = results(db, "quote_backlog", "customer")
    assert [(r.name, r.amount) for r in by_customer] == [
        ("Rakennus Virtanen Oy", Decimal("680.00"))
    ]
    assert [(r.name, r.amount) for r in results(db, "quote_backlog", "product")] == [
        ("ASENNUS", Decimal("680.00"))
    ]
    assert [(r.name, r.amount) for r in results(db, "order_backlog", "salesperson")] == [
        ("Maija Myyjä", Decimal("500.00"))
    ]
    assert [r.amount for r in results(db, "not_invoiced", "customer")] == [Decimal("200.00")]

    take_step(db, order, "invoice", shop.maija)  # the delivered four
    assert [r.amount for r in results(db, "order_backlog", "customer")] == [Decimal("300.00")]
    assert results(db, "not_invoiced", "customer") == []


def test_an_unknown_result_is_refused(db, shop):
    with pytest.raises(ValueError):
        results(db, "profit", "customer")
