"""The declarative base and the mixin that makes a model tenant-owned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: JSON that PostgreSQL stores as ``jsonb`` (indexable); plain JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """A stored moment with its zone: SQLite hands them back naive, and they were UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Every model of core and of every plugin derives from this base (one metadata)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantOwned:
    """Mixin for rows that belong to one tenant.

    The session adds ``tenant_id = <current tenant>`` to every ORM query of such a
    model and refuses to flush one into another tenant (``core.db``); on
    PostgreSQL a row-level security policy repeats the rule. Put ``tenant_id``
    first in every index of the model.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            Integer, ForeignKey("tenant.id", ondelete="CASCADE"), nullable=False, index=True
        )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HasCustomValues:
    """Mixin for an entity that accepts custom fields: the values live with the record.

    One JSON document per record, keyed by the custom field's key, so a record
    and its custom values load in one query. Only the custom_fields plugin
    interprets the keys; the owning plugin just carries the column.
    """

    custom_values: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
