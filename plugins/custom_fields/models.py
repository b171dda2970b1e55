"""A custom field's definition; its values live on the records themselves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, String, UniqueConstraint
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
    ``choices`` are ``{"value", "fi", "en", "retired"}`` dicts in the order
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

    def label_for(self, locale: str) -> str:
        """The label in ``locale``, falling back to the other language, then the key."""
        return label_text(self.label, locale) or self.key

    def help_for(self, locale: str) -> str:
        return label_text(self.help, locale) if self.help else ""

    def choice_label(self, value: str, locale: str) -> str:
        for choice in self.choices:
            if choice["value"] == value:
                return (
                    label_text({"fi": choice.get("fi", ""), "en": choice.get("en", "")}, locale)
                    or value
                )
        return value

    @property
    def active_choices(self) -> list[dict[str, Any]]:
        return [c for c in self.choices if not c.get("retired")]
