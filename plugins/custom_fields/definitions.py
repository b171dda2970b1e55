"""The tenant's field definitions and what they hold, for a request or a session.

Definitions are kept per process (``core.cache``: every change to a definition
gives the tenant's cache a new version, seen by every process) and attached to a request once
per entity (every hook of a list page needs them). Counting and rewriting
values goes through the ORM, so the tenant filter applies, and reads the JSON
in Python: these are admin actions on one field, where a plain scan is clear
and works the same on every database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core import cache, people
from core.contract import EntityType
from core.entities import entity_types
from plugins.custom_fields.models import CustomField

# Definitions are kept per process: any change to one reaches every process.
cache.watch(CustomField)

CACHE_ATTR = "_custom_fields_by_entity"


def custom_entities(request: Any) -> dict[str, EntityType]:
    """The tenant's entity types that accept custom fields, by name."""
    return {
        name: entity
        for name, entity in entity_types(request).items()
        if entity.custom_fields and hasattr(entity.model, "custom_values")
    }


def all_fields(db: Session, entity: str) -> list[CustomField]:
    """Every field of ``entity``, retired ones too, in their order."""
    return list(
        db.scalars(
            select(CustomField)
            .where(CustomField.entity == entity)
            .order_by(CustomField.position, CustomField.id)
        )
    )


def kept_fields(request: Any, entity: str) -> list[CustomField]:
    """The process's own (detached) copies of ``active_fields``: to read, never to change."""
    db = request.db

    def load() -> list[CustomField]:
        if entity not in custom_entities(request):
            return []
        return cache.detached(db, [f for f in all_fields(db, entity) if f.retired_at is None])

    return cache.cached(request, ("custom_fields", entity), load)


def active_fields(request: Any, entity: str) -> list[CustomField]:
    """The fields of ``entity`` shown to users (not retired), kept per process."""
    per_request = request.__dict__.setdefault(CACHE_ATTR, {})
    if entity not in per_request:
        db = request.db
        per_request[entity] = [cache.attach(db, field) for field in kept_fields(request, entity)]
    return per_request[entity]


def members(request: Any) -> dict[int, str]:
    """The tenant's active members: id → name and e-mail (one per line)."""
    return {m.id: "\n".join(n for n in (m.label, m.email) if n) for m in people.members(request)}


def builtin_names(model: type) -> set[str]:
    """The attribute names of ``model`` a custom key must not take (lower case)."""
    names = {attr.key.lower() for attr in inspect(model).attrs}
    names |= {name.lower() for name in dir(model) if not name.startswith("__")}
    return names


def records_with_value(db: Session, model: type, key: str) -> Iterator[Any]:
    """The records of ``model`` that hold a value for ``key``."""
    for record in db.scalars(select(model).execution_options(yield_per=1000)):
        if (record.custom_values or {}).get(key) not in (None, "", []):
            yield record


def count_values(db: Session, model: type, key: str) -> int:
    return sum(1 for _record in records_with_value(db, model, key))


def count_failing(db: Session, model: type, key: str, check: Callable[[Any], bool]) -> int:
    """How many stored values of ``key`` fail ``check``."""
    return sum(1 for r in records_with_value(db, model, key) if not check(r.custom_values[key]))


def rewrite_values(db: Session, model: type, key: str, change: Callable[[Any], Any | None]) -> int:
    """Replace each stored value of ``key`` by ``change(value)`` (None removes it)."""
    records = list(records_with_value(db, model, key))
    for record in records:
        values = dict(record.custom_values)
        new = change(values[key])
        if new is None:
            values.pop(key)
        else:
            values[key] = new
        record.custom_values = values
    return len(records)
