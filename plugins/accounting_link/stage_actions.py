"""Stage actions: entering a stage makes a quote, an order or an invoice of the task.

The lines come from the action's options (``{"products": "ASENNUS:10, KAHVI"}``,
product codes with an optional quantity, the template) or, without them, from
the task itself: one line of its title at its expected value. The
salesperson is the task's responsible person. A refusal (no customer, no
billing address for an invoice) fails the action with its reason, which the
workflow shows on the task with a retry button.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from core import StageAction
from plugins.accounting_link import _
from plugins.accounting_link.documents import (
    DocumentInput,
    DocumentRefused,
    LineInput,
    all_rates,
    create_document,
)
from plugins.accounting_link.models import DocumentKind, Product, VatClass, VatRate
from plugins.contacts.models import Customer

NO_CUSTOMER = _("The task has no customer.")
UNKNOWN_PRODUCT = _("The action names a product code that does not exist: ${code}.")
NO_RATE = _("No VAT rate of the product's class is valid today.")

ACTION_LABELS = {
    DocumentKind.QUOTE: _("Make a quote"),
    DocumentKind.ORDER: _("Make an order"),
    DocumentKind.INVOICE: _("Make an invoice"),
}
DESCRIPTION = _(
    "Lines from the action's products or the task's value; the responsible person sells"
)


def action_key(kind: str) -> str:
    return f"accounting_link.create_{kind}"


def stage_actions() -> list[StageAction]:
    return [
        StageAction(action_key(kind), label, _runner(kind), DESCRIPTION)
        for kind, label in ACTION_LABELS.items()
    ]


def _runner(kind: str) -> Any:
    def run(db: Any, tenant: Any, task: Any, options: dict[str, Any]) -> None:
        create_from_task(db, task, kind, options)

    return run


def create_from_task(
    db: Any, task: Any, kind: str, options: dict[str, Any], user: Any = None
) -> Any:
    customer = db.get(Customer, task.customer_id) if task.customer_id else None
    if customer is None:
        raise DocumentRefused(NO_CUSTOMER)
    day = date.today()
    rates = all_rates(db)
    valid = {r.vat_class: r for r in rates.values() if r.valid_on(day)}
    lines = _template_lines(db, options.get("products") or "", valid, customer.language or "fi")
    if not lines:
        rate = valid.get(VatClass.STANDARD)
        if rate is None:
            raise DocumentRefused(NO_RATE)
        lines = [
            LineInput(task.title[:300], Decimal("1"), task.expected_value or Decimal("0"), rate.id)
        ]
    data = DocumentInput(
        customer=customer,
        task_id=task.id,
        contact_person_id=task.contact_person_id,
        salesperson_user_id=task.responsible_user_id,
        document_date=day,
        our_reference=task.title[:120],
        lines=lines,
    )
    return create_document(db, kind, data, user, rates=rates)


def _template_lines(
    db: Any, spec: str, rates: dict[str, VatRate], language: str
) -> list[LineInput]:
    """The lines of the template ``spec``; ``rates`` are the valid ones by VAT class."""
    wanted: list[tuple[str, Decimal]] = []
    for part in spec.split(","):
        code, _sep, quantity = part.strip().partition(":")
        if not code:
            continue
        try:
            wanted.append((code.strip(), Decimal(quantity.strip() or "1")))
        except InvalidOperation:
            wanted.append((code.strip(), Decimal("1")))
    if not wanted:
        return []
    products = {
        p.code: p
        for p in db.scalars(select(Product).where(Product.code.in_([c for c, _q in wanted])))
    }
    lines = []
    for code, quantity in wanted:
        product = products.get(code)
        if product is None:
            raise DocumentRefused(_(UNKNOWN_PRODUCT, mapping={"code": code}))
        rate = rates.get(product.vat_class)
        if rate is None:
            raise DocumentRefused(NO_RATE)
        name = product.name.get(language) or product.name.get("fi") or code
        lines.append(
            LineInput(
                name,
                quantity,
                product.unit_price,
                rate.id,
                unit=product.unit,
                product_id=product.id,
            )
        )
    return lines
