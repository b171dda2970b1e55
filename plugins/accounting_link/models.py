"""Products, VAT rates, sales documents with their lines, payments, and the accounting settings.

Money is ``Decimal``: line amounts are rounded to cents (``ROUND_HALF_UP``)
line by line, VAT once per rate over the lines of that rate, as Finnish
invoices show it (``totals.py``). A document keeps its totals in columns, so
the task's financial panel and the results read sums without its lines.

References between these tables are composite ``(tenant_id, id)`` foreign
keys, so the database refuses a line of another tenant's document.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, JSONDocument, TenantOwned, utcnow

Money = Numeric(14, 2)
UnitPrice = Numeric(14, 4)
Quantity = Numeric(14, 3)
Percent = Numeric(5, 2)


class DocumentKind(StrEnum):
    QUOTE = "quote"
    ORDER = "order"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class QuoteState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


class OrderState(StrEnum):
    OPEN = "open"
    PARTLY_DELIVERED = "partly_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"


class InvoiceState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"


class VatClass(StrEnum):
    """What a product is taxed as; the percentage comes from ``VatRate`` rows by date."""

    STANDARD = "standard"
    REDUCED = "reduced"
    LOW = "low"
    ZERO = "zero"


class SyncState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


class ReferenceKind(StrEnum):
    FINNISH = "fi"
    RF = "rf"


class PaymentSource(StrEnum):
    MANUAL = "manual"
    BANK_FILE = "bank_file"
    BACKEND = "backend"


def _tenant_fk(columns: list[str], table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


class VatRate(TenantOwned, Base):
    """A VAT percentage of one class, valid from a date (until another date, if it ended)."""

    __tablename__ = "accounting_vat_rate"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_accounting_vat_rate_tenant_id"),
        Index("ix_accounting_vat_rate_class", "tenant_id", "vat_class", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vat_class: Mapped[str] = mapped_column(String(16))
    percent: Mapped[Decimal] = mapped_column(Percent)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Product(TenantOwned, Base):
    """A product or service sold; inactive ones stay on old documents but are not offered."""

    __tablename__ = "accounting_product"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_accounting_product_tenant_id"),
        UniqueConstraint("tenant_id", "code", name="uq_accounting_product_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    #: ``{"fi": ..., "sv": ..., "en": ...}``.
    name: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    unit: Mapped[str] = mapped_column(String(16), default="kpl")
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice, default=Decimal("0"))
    vat_class: Mapped[str] = mapped_column(String(16), default=VatClass.STANDARD)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration


class SalesDocument(TenantOwned, Base):
    """A quote, an order, an invoice or a credit note, with its totals and its sync state.

    ``source_id`` is what it came from: an order's quote, an invoice's order, a
    credit note's invoice. ``external_id`` is the accounting backend's key,
    stored as soon as the backend answers so a retried push does not make a
    second one. ``version`` guards edits and state changes.
    """

    __tablename__ = "sales_document"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_sales_document_tenant_id"),
        UniqueConstraint("tenant_id", "kind", "number", name="uq_sales_document_number"),
        _tenant_fk(["source_id"], "sales_document"),
        _tenant_fk(["customer_id"], "customer"),
        Index("ix_sales_document_task", "tenant_id", "task_id", "kind"),
        Index("ix_sales_document_customer", "tenant_id", "customer_id", "kind"),
        Index("ix_sales_document_state", "tenant_id", "kind", "state"),
        Index("ix_sales_document_source", "tenant_id", "source_id"),
        Index("ix_sales_document_sync", "tenant_id", "sync_state"),
        Index("ix_sales_document_reference", "tenant_id", "reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    source_id: Mapped[int | None] = mapped_column(Integer)
    document_date: Mapped[date] = mapped_column(Date)
    #: An invoice's due date; a quote's last valid day.
    due_date: Mapped[date | None] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    payment_term_days: Mapped[int] = mapped_column(Integer, default=14)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    language: Mapped[str] = mapped_column(String(2), default="fi")
    our_reference: Mapped[str] = mapped_column(String(120), default="")
    your_reference: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: VAT is the buyer's to account for (an EU business customer with a VAT number).
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    #: An invoice's payment reference, national (7-3-1) or RF, in its printed form.
    reference: Mapped[str | None] = mapped_column(String(35))
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    vat_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    #: Payments received (invoices) or amounts invoiced (orders) so far.
    settled_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    external_id: Mapped[str | None] = mapped_column(String(64))
    sync_state: Mapped[str] = mapped_column(String(8), default=SyncState.NONE)
    sync_error: Mapped[str] = mapped_column(Text, default="")
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[DocumentLine]] = relationship(
        order_by="DocumentLine.position", cascade="all, delete-orphan", back_populates="document"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    @property
    def open_amount(self) -> Decimal:
        """What is still to pay (an invoice) or to invoice (an order)."""
        return self.gross_total - self.settled_total


class DocumentLine(TenantOwned, Base):
    """A line of a document: a product or free text, its quantity, price, discount and VAT.

    An order line counts what has been delivered and invoiced of it; an invoice
    line names the order line it invoices (``source_line_id``).
    """

    __tablename__ = "sales_document_line"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_sales_document_line_tenant_id"),
        _tenant_fk(["document_id"], "sales_document", "CASCADE"),
        _tenant_fk(["product_id"], "accounting_product"),
        _tenant_fk(["vat_rate_id"], "accounting_vat_rate"),
        Index("ix_sales_document_line_document", "tenant_id", "document_id", "position"),
        Index("ix_sales_document_line_product", "tenant_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("1"))
    unit: Mapped[str] = mapped_column(String(16), default="kpl")
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice, default=Decimal("0"))
    discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    vat_rate_id: Mapped[int] = mapped_column(Integer)
    vat_percent: Mapped[Decimal] = mapped_column(Percent)
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    delivered_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    invoiced_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    source_line_id: Mapped[int | None] = mapped_column(Integer)

    document: Mapped[SalesDocument] = relationship(back_populates="lines")


class Payment(TenantOwned, Base):
    """Money received against an invoice: typed by hand, read from a bank file or the backend.

    ``external_id`` (a bank file's archive id, the backend's payment key) makes
    an import or a sync that runs twice record a payment once.
    """

    __tablename__ = "accounting_payment"
    __table_args__ = (
        _tenant_fk(["document_id"], "sales_document", "CASCADE"),
        UniqueConstraint(
            "tenant_id", "source", "external_id", name="uq_accounting_payment_external"
        ),
        Index("ix_accounting_payment_document", "tenant_id", "document_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default=PaymentSource.MANUAL)
    external_id: Mapped[str | None] = mapped_column(String(64))
    payer: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NumberSeries(TenantOwned, Base):
    """The last number given to a kind of document; a row lock hands out the next."""

    __tablename__ = "sales_number_series"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", name="uq_sales_number_series_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    last: Mapped[int] = mapped_column(Integer, default=0)


class CustomerLink(TenantOwned, Base):
    """A customer's key in an accounting backend, stored once the backend has it."""

    __tablename__ = "accounting_customer_link"
    __table_args__ = (
        UniqueConstraint("tenant_id", "backend", "customer_id", name="uq_accounting_customer_link"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    backend: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(64))


class CustomerEInvoice(TenantOwned, Base):
    """Where a customer takes e-invoices: its address (OVT or IBAN) and its operator's code.

    Kept here rather than on contacts' customer, which this plugin does not
    own; the customer form gets the two fields through ``myynti_form_fields``.
    """

    __tablename__ = "accounting_customer_einvoice"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", name="uq_accounting_customer_einvoice"),
        _tenant_fk(["customer_id"], "customer", "CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(35))
    operator: Mapped[str] = mapped_column(String(35))


class AccountingSettings(TenantOwned, Base):
    """A tenant's seller details, reference form, numbering start and accounting backend.

    ``backend_config`` holds the chosen backend's settings; the secrets in it
    are Fernet tokens (``core.credentials``), never plain text.
    """

    __tablename__ = "accounting_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_accounting_settings_tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    business_id: Mapped[str] = mapped_column(String(9), default="")
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    #: ``{"street", "postcode", "city", "country"}``.
    address: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    reference_kind: Mapped[str] = mapped_column(String(2), default=ReferenceKind.FINNISH)
    payment_term_days: Mapped[int] = mapped_column(Integer, default=14)
    quote_valid_days: Mapped[int] = mapped_column(Integer, default=30)
    penalty_interest: Mapped[Decimal] = mapped_column(Percent, default=Decimal("11.50"))
    backend: Mapped[str] = mapped_column(String(40), default="local")
    backend_config: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration
