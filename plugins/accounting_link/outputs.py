"""A document as its outputs see it: ``DocumentData`` made from the rows, and the files.

The PDF (``pdf.py``) and the Finvoice message (``finvoice.py``) take a
``DocumentData`` and never read the database; this module reads the
document, its lines, the customer and the tenant's seller details once and
hands them over, with the line and VAT figures already rounded as the
document's totals were (``totals.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import Label, label_text
from core.models import User
from plugins.accounting_link.customer_einvoice import einvoice_of
from plugins.accounting_link.document_data import (
    Address,
    Buyer,
    DocumentData,
    Line,
    Seller,
    VatBreakdown,
)
from plugins.accounting_link.documents import settings_of
from plugins.accounting_link.finvoice import finvoice_xml
from plugins.accounting_link.models import DocumentKind, SalesDocument
from plugins.accounting_link.pdf import document_pdf
from plugins.accounting_link.totals import HUNDRED, cents, document_totals
from plugins.contacts.models import ContactPerson, Customer

TERMS = {
    "fi": "{days} päivää netto",
    "sv": "{days} dagar netto",
    "en": "{days} days net",
}
FILE_NAMES = {
    "fi": {
        "quote": "tarjous",
        "order": "tilaus",
        "invoice": "lasku",
        "credit_note": "hyvityslasku",
    },
    "sv": {"quote": "offert", "order": "order", "invoice": "faktura", "credit_note": "kreditnota"},
    "en": {"quote": "quote", "order": "order", "invoice": "invoice", "credit_note": "credit-note"},
}


@dataclass(frozen=True)
class OutputFile:
    filename: str
    content_type: str
    data: bytes


def language_of(doc: SalesDocument) -> str:
    return doc.language if doc.language in TERMS else "fi"


def label_in(label: Label, language: str) -> str:
    return label_text(label, language)


def _address(value: dict[str, Any] | None) -> Address:
    value = value or {}
    return Address(
        street=value.get("street") or "",
        postcode=value.get("postcode") or "",
        city=value.get("city") or "",
        country=(value.get("country") or "FI")[:2].upper(),
    )


def seller_of(db: Any) -> Seller:
    settings = settings_of(db)
    return Seller(
        name=settings.company_name,
        business_id=settings.business_id,
        vat_number=settings.vat_number,
        address=_address(settings.address),
        iban=settings.iban,
        bic=settings.bic,
        email=settings.email,
        phone=settings.phone,
        penalty_interest=settings.penalty_interest,
    )


def buyer_of(db: Any, customer: Customer) -> Buyer:
    einvoice = einvoice_of(db, customer.id)
    return Buyer(
        name=customer.name,
        business_id=customer.business_id or "",
        vat_number=customer.vat_number or "",
        billing_address=_address(customer.billing_address or customer.postal_address),
        customer_number=str(customer.id),
        einvoice_address=einvoice.address if einvoice is not None else "",
        einvoice_operator=einvoice.operator if einvoice is not None else "",
    )


def seller_name(db: Any) -> str:
    return settings_of(db).company_name


def document_data(db: Any, doc: SalesDocument) -> DocumentData:
    customer = db.get(Customer, doc.customer_id)
    person = db.get(ContactPerson, doc.contact_person_id) if doc.contact_person_id else None
    salesperson = db.get(User, doc.salesperson_user_id) if doc.salesperson_user_id else None
    language = language_of(doc)
    lines = []
    for ln in doc.lines:
        rate = Decimal("0") if doc.reverse_charge else ln.vat_percent
        vat = cents(ln.net_amount * rate / HUNDRED)
        lines.append(
            Line(
                description=ln.description,
                quantity=ln.quantity,
                unit=ln.unit,
                unit_price=ln.unit_price,
                vat_rate=rate,
                net=ln.net_amount,
                vat=vat,
                gross=ln.net_amount + vat,
                discount_percent=ln.discount_percent,
            )
        )
    totals = document_totals(
        ((ln.net_amount, ln.vat_percent) for ln in doc.lines), doc.reverse_charge
    )
    credited = ""
    if doc.kind == DocumentKind.CREDIT_NOTE and doc.source_id is not None:
        credited = str(db.get(SalesDocument, doc.source_id).number)
    invoice_like = doc.kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)
    return DocumentData(
        kind=doc.kind,
        number=str(doc.number),
        issue_date=doc.document_date,
        seller=seller_of(db),
        buyer=buyer_of(db, customer),
        lines=tuple(lines),
        vat_breakdown=tuple(VatBreakdown(p.percent, p.net, p.vat, p.gross) for p in totals.parts),
        net_total=totals.net,
        vat_total=totals.vat,
        gross_total=totals.gross,
        due_date=doc.due_date,
        delivery_date=doc.delivery_date,
        language=language,
        currency=doc.currency,
        contact_person=person.name if person else "",
        salesperson=salesperson.display_name if salesperson else "",
        our_reference=doc.our_reference,
        your_reference=doc.your_reference,
        payment_terms=TERMS[language].format(days=doc.payment_term_days) if invoice_like else "",
        payment_term_days=doc.payment_term_days if invoice_like else None,
        notes=doc.notes,
        reverse_charge=doc.reverse_charge,
        reference=doc.reference or "",
        credited_number=credited,
    )


def file_stem(doc: SalesDocument) -> str:
    return f"{FILE_NAMES[language_of(doc)][doc.kind]}-{doc.number}"


def render_pdf(db: Any, doc: SalesDocument) -> OutputFile:
    return OutputFile(
        f"{file_stem(doc)}.pdf", "application/pdf", document_pdf(document_data(db, doc))
    )


def render_finvoice(db: Any, doc: SalesDocument) -> OutputFile:
    """The Finvoice of an invoice or a credit note; ``FinvoiceError`` says what is missing."""
    data = finvoice_xml(document_data(db, doc))
    return OutputFile(f"{file_stem(doc)}.xml", "application/xml", data)
