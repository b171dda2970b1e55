"""What the API exposes of an entity: generated from the declaration and its model's columns.

Every entity a plugin declares (``myynti_entities``) with a ``permission``
becomes a resource: its path is the entity's name in the plural, its fields the
model's columns but ``tenant_id``. A partner's entity gets its endpoints and
its OpenAPI schema with no code of its own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    inspect,
)
from sqlalchemy.types import TypeEngine

from core.contract import EntityType
from core.models import as_utc
from core.plugins import PluginRegistry

#: Columns no API caller sees: the wall between tenants, and stored secrets. The custom
#: values are read and written through the plugin that defines them (``ApiValues``).
HIDDEN = frozenset({"tenant_id", "custom_values"})
HIDDEN_SUFFIXES = ("_hash", "_secret", "_password")


@dataclass(frozen=True)
class Field:
    """One column of a resource: its JSON name, its JSON Schema, how a value is written."""

    name: str
    schema: dict[str, Any]
    kind: str
    nullable: bool
    #: A decimal column's precision and scale.
    digits: tuple[int, int] | None = None

    def dump(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            # In UTC however it was written: a moment just saved keeps the offset it was given.
            return as_utc(value).astimezone(UTC).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    def parse_filter(self, text: str) -> Any:
        """The value of ``?name=text``; ValueError when it is not one."""
        if self.kind == "integer":
            value = int(text)
            if not self.schema["minimum"] <= value <= self.schema["maximum"]:
                raise ValueError(text)
            return value
        if self.kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if self.kind == "date":
            return date.fromisoformat(text)
        if self.kind == "string":
            if "\x00" in text or len(text) > 500:
                raise ValueError(text)
            return text
        raise ValueError(text)

    @property
    def filterable(self) -> bool:
        return self.kind in ("integer", "boolean", "date", "string")


@dataclass(frozen=True)
class Resource:
    """An entity as the API serves it, at ``/api/v1/t/{tenant}/<path>``."""

    entity: EntityType
    plugin: str
    path: str
    fields: tuple[Field, ...]

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def model(self) -> type:
        return self.entity.model

    @property
    def archivable(self) -> bool:
        """An archived_at column, or an owner that archives its own way (``api_archive``)."""
        return self.entity.api_archive is not None or self.field("archived_at") is not None

    def dump(self, record: Any) -> dict[str, Any]:
        return {f.name: f.dump(getattr(record, f.name)) for f in self.fields}

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def plural_path(entity_name: str) -> str:
    """``contact_person`` → ``contact-persons``, ``activity`` → ``activities``."""
    word = entity_name.replace("_", "-")
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy", "uy")):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def resources(registry: PluginRegistry, entities: list[EntityType]) -> dict[str, Resource]:
    """The resources of ``entities``, by path; entities without a permission are left out."""
    found: dict[str, Resource] = {}
    for entity in entities:
        plugin = registry.plugin_of_module(entity.model.__module__)
        if not entity.permission or plugin is None:
            continue
        path = plural_path(entity.name)
        found[path] = Resource(entity, plugin.name, path, _fields(entity.model))
    return found


@functools.cache
def _fields(model: type) -> tuple[Field, ...]:
    """The model's columns as fields: read once per model, not on every API request."""
    fields = []
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        if attr.key in HIDDEN or attr.key.endswith(HIDDEN_SUFFIXES):
            continue
        kind, schema = _json_type(column.type)
        nullable = bool(column.nullable) and not column.primary_key
        if nullable:
            schema = {**schema, "type": [schema["type"], "null"]} if "type" in schema else schema
        digits = None
        if kind == "decimal" and column.type.precision is not None:
            digits = (column.type.precision, column.type.scale or 0)
        fields.append(Field(attr.key, schema, kind, nullable, digits))
    return tuple(fields)


def _json_type(type_: TypeEngine[Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(type_, Boolean):
        return "boolean", {"type": "boolean"}
    if isinstance(type_, BigInteger):
        return "integer", {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}
    if isinstance(type_, Integer):
        return "integer", {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
    if isinstance(type_, DateTime):
        return "datetime", {"type": "string", "format": "date-time"}
    if isinstance(type_, Date):
        return "date", {"type": "string", "format": "date"}
    if isinstance(type_, Numeric):
        return "decimal", {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    if isinstance(type_, JSON):
        return "json", {}
    if isinstance(type_, String):
        schema: dict[str, Any] = {"type": "string"}
        if type_.length:
            schema["maxLength"] = type_.length
        return "string", schema
    return "json", {}
