"""A custom field's definition, and the index of the values that live on the records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.contract import label_text
from core.models import Base, JSONDocument, TenantOwned, utcnow


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    DATE = "date"
    YES_NO = "yes_no"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    EMAIL = "email"
    URL = "url"
    PHONE = "phone"
    USER = "user"


class CustomField(TenantOwned, Base):
    """One extra field of an entity type (``entity`` is the ``EntityType`` name).

    ``key`` is stable: it names the value in each record's ``custom_values``.
    ``choices`` are ``{"value", "fi", "en", "sv", "retired"}`` dicts in the order
    shown. A retired field is hidden from forms, its values kept.
    """

    __tablename__ = "custom_field"
    __table_args__ = (
        UniqueConstraint("tenant_id", "entity", "key", name="uq_custom_field_key"),
        Index("ix_custom_field_entity", "tenant_id", "entity", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    help: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    type: Mapped[str] = mapped_column(String(20), default=FieldType.TEXT)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The default of a new record, stored as a value of ``type`` (None: no default).
    default: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    section: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    show_in_list: Mapped[bool] = mapped_column(Boolean, default=False)
    filterable: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)

    def label_for(self, locale: str) -> str:
        """The label in ``locale``, falling back to the other language, then the key."""
        return label_text(self.label, locale) or self.key

    def help_for(self, locale: str) -> str:
        return label_text(self.help, locale) if self.help else ""

    def choice_label(self, value: str, locale: str) -> str:
        for choice in self.choices:
            if choice["value"] == value:
                return (
                    label_text({k: choice.get(k, "") for k in ("fi", "sv", "en")}, locale) or value
                )
        return value

    @property
    def active_choices(self) -> list[dict[str, Any]]:
        return [c for c in self.choices if not c.get("retired")]


#: Text compared byte by byte on PostgreSQL (plain comparisons an index serves under RLS).
IndexedText = String(500).with_variant(String(500, collation="C"), "postgresql")


def _typed_index(column: str) -> Index:
    """An index on one kind of value, for a field's filters and sorting (non-null rows only)."""
    present = text(f"{column} IS NOT NULL")
    return Index(
        f"ix_custom_value_index_{column}",
        "tenant_id",
        "record_table",
        "field_key",
        column,
        "record_id",
        postgresql_where=present,
        sqlite_where=present,
    )


class CustomValueIndex(TenantOwned, Base):
    """The custom values of every record, one row per value, in typed columns.

    A copy of the records' ``custom_values`` JSON that filters and sorting read:
    PostgreSQL does not treat the JSON operators as leakproof, so under row-level
    security it would not use an index on ``custom_values->>'key'``; plain
    comparisons of text, numbers and dates on these columns it does. Written
    only by :mod:`plugins.custom_fields.value_index`, in the same flush as the
    record. ``record_table`` is the record's table (the model's, so the index
    needs no request to be kept); ``position`` numbers the items of a list.
    """

    __tablename__ = "custom_value_index"
    __table_args__ = (
        PrimaryKeyConstraint(
            "tenant_id",
            "record_table",
            "record_id",
            "field_key",
            "position",
            name="pk_custom_value_index",
        ),
        _typed_index("text_value"),
        _typed_index("number_value"),
        _typed_index("date_value"),
    )

    record_table: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column(Integer)
    field_key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: A text, choice or date value as stored (a long text: its first 500 characters).
    text_value: Mapped[str | None] = mapped_column(IndexedText)
    #: A number; yes/no as 1 and 0; a user as the user's id.
    number_value: Mapped[float | None] = mapped_column(Float)
    #: A text value that is an ISO date (``YYYY-MM-DD``).
    date_value: Mapped[date | None] = mapped_column(Date)
