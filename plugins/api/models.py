"""A personal API token: a user's key to the API of one tenant, with scopes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
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
