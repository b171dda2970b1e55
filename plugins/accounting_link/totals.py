"""A document's sums as Finnish invoices show them.

Each line's net amount is rounded to cents (``ROUND_HALF_UP``); VAT is
computed once per rate over the net of that rate's lines and rounded, so the
VAT breakdown adds up to the VAT total and net + VAT = gross exactly. A
reverse-charge document has no VAT: the buyer accounts for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """Quantity × unit price less the discount, rounded to cents."""
    return cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


@dataclass(frozen=True)
class VatPart:
    percent: Decimal
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    #: One part per VAT percentage, highest first.
    parts: tuple[VatPart, ...]


def document_totals(lines: Iterable[tuple[Decimal, Decimal]], reverse_charge: bool) -> Totals:
    """Totals of ``(net amount, VAT percent)`` pairs."""
    by_percent: dict[Decimal, Decimal] = {}
    for net, percent in lines:
        key = Decimal("0") if reverse_charge else percent
        by_percent[key] = by_percent.get(key, Decimal("0.00")) + net
    parts = tuple(
        VatPart(percent, net, cents(net * percent / HUNDRED))
        for percent, net in sorted(by_percent.items(), reverse=True)
    )
    net = sum((p.net for p in parts), Decimal("0.00"))
    vat = sum((p.vat for p in parts), Decimal("0.00"))
    return Totals(net, vat, net + vat, parts)
