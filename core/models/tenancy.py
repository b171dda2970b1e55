"""Tenants (the customers of the service) and the plugins each has enabled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamped


class Tenant(Timestamped, Base):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Licence attributes beyond the enabled plugins, e.g. ``{"workflows": 3}``.
    licence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TenantPlugin(Base):
    """A plugin's licence for a tenant. A row is kept when disabled, so data returns."""

    __tablename__ = "tenant_plugin"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    plugin: Mapped[str] = mapped_column(String(63), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    set_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CacheVersion(Base):
    """A version per cache scope, replaced in the transaction of every change to cached rows.

    Scope 0 is the whole site (users, tenants, memberships); any other scope is the
    tenant of that id. Each web process reads its tenant's versions once per request
    and drops what it cached when they have moved (``core.cache``).
    """

    __tablename__ = "cache_version"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: A random number, not a counter: a rolled-back change must not leave behind a value
    #: that a later change could take again.
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class TenantDataVersion(Base):
    """A version of everything a tenant holds, replaced when any of its rows changes.

    Written by database triggers (``core.schema.ensure_data_triggers``) when a
    transaction that changed the tenant's rows commits, so no write can miss it;
    pages kept per process (``core.page_cache``) are valid while it stands still.
    """

    __tablename__ = "tenant_data_version"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Random, like ``CacheVersion.version``.
    version: Mapped[int] = mapped_column(BigInteger)
