"""A note: a title and a text that the tenant's members share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.models import Base, TenantOwned, User, utcnow


class Note(TenantOwned, Base):
    """Tenant-owned: the session shows a tenant only its own notes (core.db)."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Who wrote it; None for the welcome note the plugin writes itself.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    author: Mapped[User | None] = relationship(lazy="joined")


def latest_notes(db: Session, limit: int) -> list[Note]:
    """The tenant's newest notes first (the session adds the tenant)."""
    return list(
        db.scalars(select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(limit))
    )
