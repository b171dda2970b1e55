"""Users, their memberships in tenants, teams, sign-in sessions and failed logins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, TenantOwned, Timestamped, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class User(Timestamped, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Membership(TenantOwned, Timestamped, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_membership_tenant_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship(lazy="joined")


class Team(TenantOwned, Timestamped, Base):
    __tablename__ = "team"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", name="uq_team_tenant_name"),
        UniqueConstraint("tenant_id", "id", name="uq_team_tenant_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class TeamMember(TenantOwned, Base):
    """A user in a team. The composite key to ``team`` keeps both in one tenant."""

    __tablename__ = "team_member"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "team_id"], ["team.tenant_id", "team.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "team_id", "user_id", name="uq_team_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class AuthSession(Base):
    """A signed-in browser. Its random id is in the session cookie; logout deletes it."""

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class FailedLogin(Base):
    """One failed sign-in, counted by the login throttle."""

    __tablename__ = "failed_login"
    __table_args__ = (
        Index("ix_failed_login_email_at", "email", "at"),
        Index("ix_failed_login_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
