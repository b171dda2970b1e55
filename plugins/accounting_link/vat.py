"""VAT rates as data: each class's percentage with the dates it is valid.

A tenant gets Finland's rates when it enables the plugin (``seed_rates``);
when the law changes, a rate gets its last day and a new row follows, so old
documents keep their percentages and new ones get the new rate.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from core import Label
from plugins.accounting_link import _
from plugins.accounting_link.models import VatClass, VatRate

#: Finland's rates since 2013: (class, percent, valid from, valid to).
FINNISH_RATES = (
    (VatClass.STANDARD, "24.00", date(2013, 1, 1), date(2024, 8, 31)),
    (VatClass.STANDARD, "25.50", date(2024, 9, 1), None),
    (VatClass.REDUCED, "14.00", date(2013, 1, 1), date(2025, 12, 31)),
    (VatClass.REDUCED, "13.50", date(2026, 1, 1), None),
    (VatClass.LOW, "10.00", date(2013, 1, 1), None),
    (VatClass.ZERO, "0.00", date(2013, 1, 1), None),
)

CLASS_LABELS: dict[str, Label] = {
    VatClass.STANDARD: _("Standard"),
    VatClass.REDUCED: _("Reduced (food)"),
    VatClass.LOW: _("Reduced (transport, culture)"),
    VatClass.ZERO: _("Zero-rated"),
}


def seed_rates(db: Any) -> None:
    """Add Finland's rates to the session's tenant (``myynti_tenant_setup``)."""
    for vat_class, percent, valid_from, valid_to in FINNISH_RATES:
        db.add(
            VatRate(
                vat_class=vat_class,
                percent=Decimal(percent),
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )


def rates_on(db: Any, day: date) -> list[VatRate]:
    """The rates valid on ``day``, highest first."""
    query = (
        select(VatRate)
        .where(VatRate.valid_from <= day, or_(VatRate.valid_to.is_(None), VatRate.valid_to >= day))
        .order_by(VatRate.percent.desc())
    )
    return list(db.scalars(query))


def rate_for(db: Any, vat_class: str, day: date) -> VatRate | None:
    """The rate of ``vat_class`` valid on ``day``."""
    return next((r for r in rates_on(db, day) if r.vat_class == vat_class), None)
