"""History events (a record's timeline) and attachments (files on a record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantOwned, utcnow


class Event(TenantOwned, Base):
    """One thing that happened to a record. Appended, never edited nor deleted."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_timeline", "tenant_id", "entity", "record_id", "at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(63))
    #: "user", "system" or "external" (an e-mail sender...).
    actor_type: Mapped[str] = mapped_column(String(16), default="user")
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The name shown for the actor: a user's name at the time, or an external sender.
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attachment(TenantOwned, Base):
    """A file on a record. The bytes live in the storage directory, named by their hash."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_record", "tenant_id", "entity", "record_id"),
        Index("ix_attachment_sha256", "tenant_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(127))
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
