"""Keeps ``custom_value_index`` in step with the records' ``custom_values``, in one place.

After every flush of an app session, each record with custom values that was
added, whose ``custom_values`` changed, or that was deleted has its index rows
replaced, in the same transaction: forms, the CSV import, type changes, field
deletion and anything else that writes the JSON through the ORM keep the index
right without knowing it exists. A bulk ``insert``/``update`` statement that
bypasses the ORM must write the rows itself with :func:`index_rows` (the
migration's backfill and the benchmark do).

The rows follow the stored JSON alone, not the field definitions: a string is
text (and a date when it reads as ``YYYY-MM-DD``), a number or yes/no is a
number, a list gives one row per item. A type change that leaves the JSON as it
was therefore needs no new rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, event, insert, inspect
from sqlalchemy.orm import Session

from core.db import TenantSession
from core.models import HasCustomValues
from plugins.custom_fields.models import CustomValueIndex

ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The longest text kept whole; the index keeps a long text's first characters.
TEXT_LENGTH = 500
INDEX = CustomValueIndex.__table__


def typed(value: Any) -> dict[str, Any] | None:
    """The typed columns of one stored value; None for an empty or unknown one."""
    if isinstance(value, bool):
        return {"text_value": None, "number_value": float(value), "date_value": None}
    if isinstance(value, int | float):
        return {"text_value": None, "number_value": float(value), "date_value": None}
    if isinstance(value, str) and value:
        day = None
        if ISO_DATE_RE.match(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                day = None
        return {"text_value": value[:TEXT_LENGTH], "number_value": None, "date_value": day}
    return None


def index_rows(
    tenant_id: int, record_table: str, record_id: int, values: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The index rows of one record's ``custom_values``."""
    rows = []
    for key, value in (values or {}).items():
        items = value if isinstance(value, list) else [value]
        for position, item in enumerate(items):
            columns = typed(item)
            if columns is not None:
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "record_table": record_table,
                        "record_id": record_id,
                        "field_key": key,
                        "position": position,
                        **columns,
                    }
                )
    return rows


def write_index(
    connection: Any, tenant_id: int, record_table: str, records: Iterable[tuple[int, Any]]
) -> None:
    """Replace the index rows of ``records`` (``(id, custom_values)``; None: deleted)."""
    records = list(records)
    if not records:
        return
    connection.execute(
        delete(INDEX).where(
            INDEX.c.tenant_id == tenant_id,
            INDEX.c.record_table == record_table,
            INDEX.c.record_id.in_([record_id for record_id, _values in records]),
        )
    )
    rows = [
        row
        for record_id, values in records
        if values is not None
        for row in index_rows(tenant_id, record_table, record_id, values)
    ]
    if rows:
        connection.execute(insert(INDEX), rows)


def _values_changed(record: Any) -> bool:
    return inspect(record).attrs.custom_values.history.has_changes()


@event.listens_for(TenantSession, "after_flush")
def _reindex_flushed_records(session: Session, _context: Any) -> None:
    """Rewrite the index rows of the records this flush added, changed or deleted.

    ``after_flush`` still sees the flush's ``new``, ``dirty`` and ``deleted``
    and the attribute history, and new records have their ids by now.
    """
    touched: dict[tuple[int, str], dict[int, Any]] = defaultdict(dict)
    for record in session.new:
        if isinstance(record, HasCustomValues):
            touched[record.tenant_id, record.__tablename__][record.id] = record.custom_values
    for record in session.dirty:
        if isinstance(record, HasCustomValues) and _values_changed(record):
            touched[record.tenant_id, record.__tablename__][record.id] = record.custom_values
    for record in session.deleted:
        if isinstance(record, HasCustomValues):
            touched[record.tenant_id, record.__tablename__][record.id] = None
    if not touched:
        return
    connection = session.connection()
    for (tenant_id, record_table), records in touched.items():
        write_index(connection, tenant_id, record_table, records.items())
