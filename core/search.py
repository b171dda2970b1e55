"""Search across the tenant's records: every declared entity's ``search_fields``.

A word matches a field that starts with it or has a word that starts with it
("mäk" finds "Öljynjalostus Mäkinen Oy"), in any case. Each entity of the
tenant's enabled plugins that has a page (``route_name``) and whose
permission the user holds is searched, a few rows each; records that are
archived come after the others. Plugins with an indexed search of their own
(the customer list's) are the place for exhaustive lists; this finds a
record to open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import func, inspect, or_, select

from core import i18n
from core.contract import EntityType, label_text
from core.entities import entity_types

#: Rows shown of each entity.
PER_ENTITY = 10
QUERY_MAX = 100
#: Values of an entity's ``list_columns`` shown beside a found record's title.
DETAILS = 3


@dataclass(frozen=True)
class Found:
    id: int
    title: str
    archived: bool
    #: What tells records of the same title apart (business ID, sender, time).
    details: tuple[str, ...]


@dataclass(frozen=True)
class FoundGroup:
    entity: EntityType
    rows: list[Found]
    more: bool


def searchable(request: Any) -> list[EntityType]:
    """The entities this user may search in this tenant, by their names in the user's language."""
    allowed = [
        entity
        for entity in entity_types(request).values()
        if entity.search_fields
        and entity.route_name
        and (not entity.permission or request.has_permission(entity.permission))
    ]
    return sorted(allowed, key=lambda entity: label_text(entity.plural, request.locale_name))


def search(request: Any, text: str, per_entity: int = PER_ENTITY) -> list[FoundGroup]:
    """Records of the tenant matching ``text``, grouped by entity; groups with none left out."""
    needle = " ".join(text.split())[:QUERY_MAX].lower()
    if not needle:
        return []
    groups = []
    for entity in searchable(request):
        rows, more = _matching(request.db, entity, needle, per_entity, request.locale_name)
        if rows:
            groups.append(FoundGroup(entity, rows, more))
    return groups


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _shown(value: Any, locale: str) -> str:
    """A column's value as text, or "" for what a line of text cannot show (codes, documents)."""
    if isinstance(value, datetime):
        return i18n.format_datetime(value, locale)
    if isinstance(value, date):
        return i18n.format_date(value, locale)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return i18n.format_number(value, locale)
    if isinstance(value, Enum) or not isinstance(value, str):
        return ""
    return value


def _detail_columns(entity: EntityType) -> list[str]:
    """The list columns beside the title; columns only, as a relationship costs a query a row."""
    stored = inspect(entity.model).column_attrs.keys()
    return [c for c in entity.list_columns if c != entity.title_attr and c in stored]


def _details(record: Any, columns: list[str], locale: str) -> tuple[str, ...]:
    shown = (_shown(getattr(record, column), locale) for column in columns)
    return tuple(text for text in shown if text)[:DETAILS]


def _matching(
    db: Any, entity: EntityType, needle: str, limit: int, locale: str
) -> tuple[list[Found], bool]:
    model = entity.model
    pattern = _escaped(needle)
    conditions = []
    for name in entity.search_fields:
        column = func.lower(getattr(model, name))
        conditions.append(column.like(f"{pattern}%", escape="\\"))
        conditions.append(column.like(f"% {pattern}%", escape="\\"))
    if entity.search_condition is not None:
        conditions.append(entity.search_condition(needle))
    archived = getattr(model, "archived_at", None)
    order = [] if archived is None else [archived.is_not(None)]
    query = (
        select(model)
        .where(or_(*conditions))
        .order_by(*order, getattr(model, entity.title_attr), model.id)
        .limit(limit + 1)
    )
    records = list(db.scalars(query))
    columns = _detail_columns(entity)
    rows = [
        Found(
            record.id,
            str(getattr(record, entity.title_attr) or ""),
            getattr(record, "archived_at", None) is not None,
            _details(record, columns, locale),
        )
        for record in records[:limit]
    ]
    return rows, len(records) > limit
