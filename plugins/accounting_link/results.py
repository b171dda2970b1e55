"""Results data: quote backlog, order backlog and not-yet-invoiced amounts, grouped.

Amounts are net (VAT 0 %), as sales results are read. The order backlog is
what is ordered and not yet invoiced; not invoiced is what is delivered and
not yet invoiced. Each is grouped by customer, salesperson or product; a
line without a product counts under ``None``. Plain queries, ready for the
reports plugin to present.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.models import User
from plugins.accounting_link.models import (
    DocumentKind,
    DocumentLine,
    OrderState,
    Product,
    QuoteState,
    SalesDocument,
)
from plugins.contacts.models import Customer

MEASURES = ("quote_backlog", "order_backlog", "not_invoiced")
GROUPS = ("customer", "salesperson", "product")


@dataclass(frozen=True)
class ResultRow:
    key: int | None
    name: str
    amount: Decimal


def _amount(measure: str) -> Any:
    line = DocumentLine
    if measure == "quote_backlog":
        return line.net_amount
    if measure == "order_backlog":
        left = line.quantity - line.invoiced_quantity
    else:
        left = line.delivered_quantity - line.invoiced_quantity
    return line.net_amount * left / func.nullif(line.quantity, 0)


def _documents(measure: str) -> Any:
    if measure == "quote_backlog":
        return (SalesDocument.kind == DocumentKind.QUOTE) & SalesDocument.state.in_(
            (QuoteState.DRAFT, QuoteState.SENT)
        )
    return (SalesDocument.kind == DocumentKind.ORDER) & (SalesDocument.state != OrderState.INVOICED)


def results(
    db: Any, measure: str, group: str, salespeople: Collection[int] | None = None
) -> list[ResultRow]:
    """``measure`` (one of ``MEASURES``) by ``group`` (one of ``GROUPS``), largest first.

    With ``salespeople``, only documents of those salespeople count.
    """
    if measure not in MEASURES or group not in GROUPS:
        raise ValueError(f"unknown result {measure} by {group}")
    key, name = {
        "customer": (SalesDocument.customer_id, Customer.name),
        "salesperson": (SalesDocument.salesperson_user_id, User.name),
        "product": (DocumentLine.product_id, Product.code),
    }[group]
    total = func.sum(_amount(measure))
    query = (
        select(key, name, total)
        .select_from(DocumentLine)
        .join(SalesDocument, SalesDocument.id == DocumentLine.document_id)
        .where(_documents(measure))
        .group_by(key, name)
        .order_by(total.desc())
    )
    if salespeople is not None:
        query = query.where(SalesDocument.salesperson_user_id.in_(sorted(salespeople)))
    if group == "customer":
        query = query.join(Customer, Customer.id == SalesDocument.customer_id)
    elif group == "salesperson":
        query = query.outerjoin(User, User.id == SalesDocument.salesperson_user_id)
    else:
        query = query.outerjoin(Product, Product.id == DocumentLine.product_id)
    cent = Decimal("0.01")
    return [
        ResultRow(k, n or "", Decimal(amount or 0).quantize(cent))
        for k, n, amount in db.execute(query)
        if amount
    ]
