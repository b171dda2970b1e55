"""A personal API token: a user's key to the API of one tenant, with scopes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, JSONDocument, TenantOwned, User, utcnow


class PersonalToken(TenantOwned, Base):
    """Only the token's SHA-256 is stored; the token itself is shown once.

    ``scopes`` are ``<plugin>:read`` and ``<plugin>:write``. ``window_started_at``
    and ``window_count`` count the requests of the current rate-limit window in
    the row itself, so every web process sees the same count.
    """

    __tablename__ = "api_personal_token"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_api_personal_token_hash"),
        Index("ix_api_personal_token_user", "tenant_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_count: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(lazy="joined")


class WebhookSubscription(TenantOwned, Base):
    """A URL the tenant's events are posted to, signed with the subscription's secret.

    ``events`` are history event kinds (``created``, ``stage_changed``…).
    ``secret`` is stored encrypted (``core.credentials``) since it signs every
    delivery. ``paused_at`` is set when deliveries keep failing; an admin resumes it.
    """

    __tablename__ = "api_webhook"
    __table_args__ = (UniqueConstraint("tenant_id", "id", name="uq_api_webhook_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    secret: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(TenantOwned, Base):
    """One event posted (or to be posted) to one subscription; its job does the posting.

    ``key`` is the delivery's id for the receiver (``X-Myynti-Delivery``), the
    same in every attempt, so a receiver drops a repeat. The job's state and last
    error tell how the attempts went; ``response_status`` and ``response_body``
    keep the receiver's last answer.
    """

    __tablename__ = "api_webhook_delivery"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["api_webhook.tenant_id", "api_webhook.id"],
            name="fk_api_webhook_delivery_subscription",
            ondelete="CASCADE",
        ),
        Index("ix_api_webhook_delivery_subscription", "tenant_id", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(63))
    body: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
