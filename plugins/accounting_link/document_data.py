"""A sales document ready for output: the PDF, Finvoice and the accounting backends.

Plain frozen dataclasses with every figure already computed (``totals.py``
does the money), so the output modules only lay out what they are given and
never touch the database. Money is ``Decimal`` in euros with cents; VAT
rates are percentages (``Decimal("25.5")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

KINDS = ("quote", "order", "invoice", "credit_note")
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Address:
    street: str = ""
    postcode: str = ""
    city: str = ""
    #: ISO 3166 alpha-2 country code.
    country: str = "FI"


@dataclass(frozen=True)
class Seller:
    """The tenant issuing the document."""

    name: str
    business_id: str = ""
    vat_number: str = ""
    address: Address = field(default_factory=Address)
    iban: str = ""
    bic: str = ""
    email: str = ""
    phone: str = ""
    #: The seller's e-invoice address (OVT or IBAN) and its operator's code.
    einvoice_address: str = ""
    einvoice_operator: str = ""
    penalty_interest: Decimal | None = None


@dataclass(frozen=True)
class Buyer:
    name: str
    business_id: str = ""
    vat_number: str = ""
    billing_address: Address = field(default_factory=Address)
    einvoice_address: str = ""
    einvoice_operator: str = ""
    #: The buyer's customer number in our books, when it has one.
    customer_number: str = ""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal
    discount_percent: Decimal = Decimal("0")
    code: str = ""


@dataclass(frozen=True)
class VatBreakdown:
    """The lines of one VAT rate summed; ``vat`` rounded once for the rate."""

    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class DocumentData:
    """One quote, order, invoice or credit note, as printed or sent.

    ``kind`` is one of ``KINDS``, ``language`` one of ``LANGUAGES``. A credit
    note's lines and totals are negative and ``credited_number`` names the
    invoice it credits. ``reference`` is the payment reference in its printed
    form (national in groups of five, or RF); ``reverse_charge`` means the
    buyer accounts for the VAT (all rates zero).
    """

    kind: str
    number: str
    issue_date: date
    seller: Seller
    buyer: Buyer
    lines: tuple[Line, ...]
    vat_breakdown: tuple[VatBreakdown, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    due_date: date | None = None
    delivery_date: date | None = None
    language: str = "fi"
    currency: str = "EUR"
    contact_person: str = ""
    salesperson: str = ""
    our_reference: str = ""
    your_reference: str = ""
    #: Payment terms as printed, e.g. "14 päivää netto"; empty for the days alone.
    payment_terms: str = ""
    payment_term_days: int | None = None
    notes: str = ""
    reverse_charge: bool = False
    reference: str = ""
    credited_number: str = ""
