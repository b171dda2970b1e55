"""Sales documents for the output tests (PDF, Finvoice, Netvisor), with their sums worked out.

Amounts are computed here as Finnish invoices show them (line net rounded to
cents, VAT once per rate), so each sample is a consistent document.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from plugins.accounting_link.document_data import (
    Address,
    Buyer,
    DocumentData,
    Line,
    Seller,
    VatBreakdown,
)
from plugins.accounting_link.references import make_national, make_rf, printed

CENT = Decimal("0.01")

SELLER = Seller(
    name="Pajala Konepaja Oy",
    business_id="1234567-1",
    vat_number="FI12345671",
    address=Address("Teollisuuskatu 4", "33100", "Tampere"),
    iban="FI79 4405 2020 0360 82",
    bic="OKOYFIHH",
    email="laskutus@pajala.example",
    phone="+358 40 123 4567",
    einvoice_address="003712345671",
    einvoice_operator="003721291126",
    penalty_interest=Decimal("11.5"),
)
BUYER = Buyer(
    name="Äänekosken Sähkö Oy",
    business_id="7654321-0",
    vat_number="FI76543210",
    billing_address=Address("Sähkötie 12 B", "44100", "Äänekoski"),
    einvoice_address="003776543210",
    einvoice_operator="003721291126",
    customer_number="1001",
)
FOREIGN_BUYER = Buyer(
    name="Göteborgs Verktyg AB",
    vat_number="SE556677889901",
    billing_address=Address("Hamngatan 3", "41104", "Göteborg", "SE"),
)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line(
    description: str,
    quantity: str,
    unit_price: str,
    rate: str,
    discount: str = "0",
    code: str = "",
    unit: str = "kpl",
    reverse_charge: bool = False,
) -> Line:
    qty, price, pct = Decimal(quantity), Decimal(unit_price), Decimal(discount)
    vat_rate = Decimal("0") if reverse_charge else Decimal(rate)
    net = _cents(qty * price * (100 - pct) / 100)
    vat = _cents(net * vat_rate / 100)
    return Line(description, qty, unit, price, vat_rate, net, vat, net + vat, pct, code)


def document(
    lines: list[Line],
    kind: str = "invoice",
    number: str = "10042",
    language: str = "fi",
    buyer: Buyer = BUYER,
    reverse_charge: bool = False,
    reference: str | None = None,
) -> DocumentData:
    by_rate: dict[Decimal, Decimal] = {}
    for ln in lines:
        by_rate[ln.vat_rate] = by_rate.get(ln.vat_rate, Decimal("0.00")) + ln.net
    parts = tuple(
        VatBreakdown(rate, net, _cents(net * rate / 100), net + _cents(net * rate / 100))
        for rate, net in sorted(by_rate.items(), reverse=True)
    )
    net = sum((p.net for p in parts), Decimal("0.00"))
    vat = sum((p.vat for p in parts), Decimal("0.00"))
    if reference is None:
        reference = printed(make_national(number)) if kind == "invoice" else ""
    return DocumentData(
        kind=kind,
        number=number,
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 3, 16),
        delivery_date=date(2026, 2, 27),
        seller=SELLER,
        buyer=buyer,
        lines=tuple(lines),
        vat_breakdown=parts,
        net_total=net,
        vat_total=vat,
        gross_total=net + vat,
        language=language,
        contact_person="Liisa Öhman",
        salesperson="Matti Järvinen",
        our_reference="Tarjous 2031",
        your_reference="Tilaus PO-778",
        payment_term_days=14,
        notes="Kiitos tilauksesta!",
        reverse_charge=reverse_charge,
        reference=reference,
    )


def ordinary_invoice(**kwargs) -> DocumentData:
    return document(
        [
            line("Hydrauliikkaletku 2 m", "3", "45.90", "25.5", code="HL-200"),
            line("Asennustyö", "2.5", "68.00", "25.5", discount="10", unit="h"),
        ],
        **kwargs,
    )


def several_rates_invoice(**kwargs) -> DocumentData:
    return document(
        [
            line("Huoltosopimus", "1", "1200.00", "25.5", code="HS-1"),
            line("Käsikirja (painettu)", "2", "39.00", "10", code="KK-2"),
            line("Kahvitarjoilu", "12", "4.50", "14"),
            line("Koulutus (arvonlisäveroton)", "1", "300.00", "0"),
        ],
        **kwargs,
    )


def reverse_charge_invoice(**kwargs) -> DocumentData:
    lines = [
        line("Hydraulic hose 2 m", "10", "45.90", "25.5", reverse_charge=True),
        line("Installation", "4", "68.00", "25.5", unit="h", reverse_charge=True),
    ]
    return document(lines, buyer=FOREIGN_BUYER, reverse_charge=True, language="en", **kwargs)


def credit_note(**kwargs) -> DocumentData:
    doc = document(
        [line("Hyvitys: asennustyö", "-1", "68.00", "25.5", unit="h")],
        kind="credit_note",
        number="90003",
        **kwargs,
    )
    return replace(doc, credited_number="10042", due_date=None)


def rf_invoice(**kwargs) -> DocumentData:
    return ordinary_invoice(reference=printed(make_rf("10042")), **kwargs)
