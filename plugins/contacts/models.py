"""Customers, their contact persons and tags; contact requests and what routes them.

Names and e-mails are searched through ``*_key`` columns: the value in lower
case, byte-ordered ("C" collation) on PostgreSQL. A prefix search is then a
plain range on an indexed column, which PostgreSQL can still serve from the
index under row-level security (``lower()`` and ``LIKE`` are not leakproof, so
with RLS on, an expression index on ``lower(name)`` would not be used).
"""

from __future__ import annotations

from datetime import date, datetime
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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.models import Base, HasCustomValues, JSONDocument, TenantOwned, utcnow

#: A lower-case search key, compared byte by byte on PostgreSQL.
SearchKey = String(254).with_variant(String(254, collation="C"), "postgresql")


def search_key(value: str | None) -> str | None:
    return value.lower() if value else None


class CustomerKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class RequestState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    CONVERTED = "converted"
    REJECTED = "rejected"
    SPAM = "spam"


class RequestSource(StrEnum):
    MANUAL = "manual"
    WEB_FORM = "web_form"
    API = "api"
    EMAIL = "email"


class Customer(HasCustomValues, TenantOwned, Base):
    """A company or a private person. Archived, never deleted; ``version`` guards edits."""

    __tablename__ = "customer"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_customer_tenant_id"),
        Index("ix_customer_name_key", "tenant_id", "name_key"),
        Index("ix_customer_email_key", "tenant_id", "email_key"),
        Index("ix_customer_business_id", "tenant_id", "business_id"),
        Index("ix_customer_phone", "tenant_id", "phone_digits"),
        Index("ix_customer_responsible", "tenant_id", "responsible_user_id"),
        Index("ix_customer_team", "tenant_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=CustomerKind.COMPANY)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(SearchKey)
    business_id: Mapped[str | None] = mapped_column(String(9))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(SearchKey)
    phone: Mapped[str | None] = mapped_column(String(40))
    #: The phone's digits in E.164 form, for duplicate checks and search.
    phone_digits: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    #: ``{"street", "postcode", "city", "country"}`` each.
    visiting_address: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    postal_address: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # A private person's own fields; a company's people are its contact persons.
    title: Mapped[str | None] = mapped_column(String(120))
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_source: Mapped[str | None] = mapped_column(String(120))
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The customer this one was merged into.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="customer", order_by="ContactPerson.name"
    )
    tags: Mapped[list[CustomerTag]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerTag.tag"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    @validates("name", "email")
    def _keep_search_keys(self, field: str, value: str | None) -> str | None:
        setattr(self, f"{field}_key", search_key(value))
        return value


class ContactPerson(HasCustomValues, TenantOwned, Base):
    __tablename__ = "contact_person"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        Index("ix_contact_person_customer", "tenant_id", "customer_id"),
        Index("ix_contact_person_name_key", "tenant_id", "name_key"),
        Index("ix_contact_person_email_key", "tenant_id", "email_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(SearchKey)
    title: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(SearchKey)
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_source: Mapped[str | None] = mapped_column(String(120))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    @validates("name", "email")
    def _keep_search_keys(self, field: str, value: str | None) -> str | None:
        setattr(self, f"{field}_key", search_key(value))
        return value

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CustomerTag(TenantOwned, Base):
    __tablename__ = "customer_tag"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "customer_id", "tag", name="uq_customer_tag"),
        Index("ix_customer_tag_tag", "tenant_id", "tag"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(60))

    customer: Mapped[Customer] = relationship(back_populates="tags")


class ContactRequest(TenantOwned, Base):
    """An incoming lead: who, what, where from, and where it is in its handling."""

    __tablename__ = "contact_request"
    __table_args__ = (
        Index("ix_contact_request_inbox", "tenant_id", "state", "team_id", "assigned_user_id"),
        Index("ix_contact_request_received", "tenant_id", "received_at"),
        # A customer's requests: the customer page's panel and history read them.
        Index("ix_contact_request_customer", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default=RequestSource.MANUAL)
    form_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    business_id: Mapped[str | None] = mapped_column(String(9))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    #: Extra fields a web form asked, by the form's field key.
    extra: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=RequestState.NEW)
    team_id: Mapped[int | None] = mapped_column(Integer)
    assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int | None] = mapped_column(Integer)
    #: What the request became (``{"entity": "task", "id": 12}``), set on conversion.
    converted_to: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    rejected_reason: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WebForm(TenantOwned, Base):
    """A tenant's public contact form; a web site posts to it with ``public_key``."""

    __tablename__ = "web_form"
    __table_args__ = (UniqueConstraint("public_key", name="uq_web_form_public_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    public_key: Mapped[str] = mapped_column(String(43))
    team_id: Mapped[int | None] = mapped_column(Integer)
    #: Field keys the form asks beyond name/e-mail/message, e.g. ``["phone", "company"]``.
    fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    thank_you_url: Mapped[str | None] = mapped_column(String(500))
    thank_you_message: Mapped[str] = mapped_column(String(500), default="")
    allowed_origins: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)


class RoutingRule(TenantOwned, Base):
    """Send matching requests to a team (and optionally a user); the lowest position wins."""

    __tablename__ = "routing_rule"
    __table_args__ = (Index("ix_routing_rule_position", "tenant_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(16))
    form_id: Mapped[int | None] = mapped_column(Integer)
    keywords: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    language: Mapped[str | None] = mapped_column(String(2))
    team_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: "round_robin" or "least_busy" when no user is named.
    strategy: Mapped[str] = mapped_column(String(16), default="round_robin")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)


class ApiToken(TenantOwned, Base):
    """A per-tenant API token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_api_token_token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateLimitHit(Base):
    """One post to a public endpoint, counted by ``requests.ratelimit``.

    Not tenant-owned: the count is per sender address before any tenant is
    known, and it lives in the database so every web process sees it.
    """

    __tablename__ = "rate_limit_hit"
    __table_args__ = (
        Index("ix_rate_limit_hit_bucket_at", "bucket", "at"),
        Index("ix_rate_limit_hit_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
