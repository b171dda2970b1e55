"""Keeping ``SalesDay`` exact: each task write adds or takes away the task's share.

A closed task (``closed_at`` set) counts once in the row of its local closing
day, stage, person and team. When a task is inserted, updated or deleted
through the ORM, the listeners below take its old share away and add its new
one, with an upsert on the flush's own connection: in the same transaction as
the task, so a rolled-back move leaves the summary as it was, and without a
read-modify-write that two concurrent moves could race. Whether the stage is
won or lost is decided when the report reads (as it does for tasks), so an
admin changing a stage's kind needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, event, func, insert, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite

from core.bulk import id_in
from core.models import as_utc
from plugins.reports.models import SalesDay
from plugins.reports.periods import LOCAL_TIME
from plugins.reports.sql import days_between
from plugins.reports.sql import local_day as local_day_of
from plugins.workflow.models import Task

#: What a task's share depends on; changing any of these moves the share.
FIELDS = (
    "tenant_id",
    "closed_at",
    "stage_id",
    "responsible_user_id",
    "team_id",
    "expected_value",
    "created_at",
)


@dataclass(frozen=True)
class Share:
    """One closed task's contribution to one ``SalesDay`` row."""

    tenant_id: int
    day: date
    stage_id: int
    user_id: int
    team_id: int
    value: Decimal
    days: float


def local_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(LOCAL_TIME).date()


def share(values: dict[str, Any]) -> Share | None:
    """The share of a task with these ``FIELDS``; ``None`` while it is open."""
    closed = values["closed_at"]
    if closed is None or values["tenant_id"] is None or values["stage_id"] is None:
        return None
    created = values["created_at"]
    days = (as_utc(closed) - as_utc(created)).total_seconds() / 86400 if created else 0.0
    return Share(
        tenant_id=values["tenant_id"],
        day=local_day(closed),
        stage_id=values["stage_id"],
        user_id=values["responsible_user_id"] or 0,
        team_id=values["team_id"] or 0,
        value=Decimal(values["expected_value"] or 0),
        days=days,
    )


def add(connection: Any, table: Any, key: dict[str, Any], measures: dict[str, Any]) -> None:
    """Add ``measures`` to the row of ``table`` with ``key``, made at zero if missing.

    An upsert on the unique key (all of ``key``'s columns), so two flushes
    adding to the same row concurrently both count: no read-modify-write.
    """
    statement = _insert(connection, table).values(**key, **measures)
    connection.execute(_adding(statement, table, list(key), list(measures)))


def add_selected(
    connection: Any, table: Any, keys: Sequence[str], measures: Sequence[str], rows: Select[Any]
) -> None:
    """Add each row of ``rows`` (its ``keys`` then its ``measures``) to ``table``, as ``add``.

    One ``INSERT … SELECT … ON CONFLICT DO UPDATE``: the summaries' catch-up
    after rows were written with bulk SQL. ``rows`` is ordered by the key, so
    its upserts lock rows in the order ``add_in_order`` does.
    """
    statement = _insert(connection, table).from_select([*keys, *measures], rows)
    connection.execute(_adding(statement, table, keys, measures))


def _insert(connection: Any, table: Any) -> Any:
    make = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    return make(table)


def _adding(statement: Any, table: Any, keys: Sequence[str], measures: Sequence[str]) -> Any:
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in measures},
    )


def grouped(rows: Select[Any], keys: int) -> Select[Any]:
    """``rows`` grouped and ordered by its first ``keys`` columns (by position).

    By position, not by expression: an expression with bound parameters (a
    zone, a format) is bound again in ``GROUP BY``, and PostgreSQL would not
    see the two as the same.
    """
    positions = text(", ".join(str(n) for n in range(1, keys + 1)))
    return rows.group_by(positions).order_by(positions)


def add_in_order(
    connection: Any, table: Any, changes: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    """``add`` each (key, measures) of ``changes`` to ``table``, in the order of the keys.

    An upsert locks its row until the transaction ends. Taking the rows in key
    order means two moves between the same rows in opposite directions (one
    task from stage A to B while another goes from B to A) wait for each
    other instead of deadlocking.
    """
    for key, measures in sorted(changes, key=lambda change: tuple(change[0].values())):
        add(connection, table, key, measures)


def _apply(connection: Any, changes: list[tuple[Share, int]]) -> None:
    add_in_order(
        connection,
        SalesDay.__table__,
        [
            (
                {
                    "tenant_id": found.tenant_id,
                    "day": found.day,
                    "stage_id": found.stage_id,
                    "user_id": found.user_id,
                    "team_id": found.team_id,
                },
                {"tasks": sign, "value": sign * found.value, "days": sign * found.days},
            )
            for found, sign in changes
        ],
    )


def now_values(target: Any, fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    return {name: getattr(target, name) for name in fields}


def values_before(target: Any, fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    """The row's ``fields`` as they were before this flush."""
    state = inspect(target)
    values = {}
    for name in fields:
        history = state.attrs[name].history
        if history.added or history.deleted:
            # Changed in this flush; SQLAlchemy lists no deleted value when it was None.
            values[name] = history.deleted[0] if history.deleted else None
        else:
            values[name] = getattr(target, name)
    return values


@event.listens_for(Task, "after_insert")
def _inserted(mapper: Any, connection: Any, target: Task) -> None:
    found = share(now_values(target))
    if found is not None:
        _apply(connection, [(found, 1)])


@event.listens_for(Task, "after_update")
def _updated(mapper: Any, connection: Any, target: Task) -> None:
    old, new = share(values_before(target)), share(now_values(target))
    if old != new:
        _apply(connection, [(found, sign) for found, sign in ((old, -1), (new, 1)) if found])


@event.listens_for(Task, "after_delete")
def _deleted(mapper: Any, connection: Any, target: Task) -> None:
    found = share(values_before(target))
    if found is not None:
        _apply(connection, [(found, -1)])


def _load_old_value(target: Any, value: Any, old: Any, initiator: Any) -> None:
    """Nothing: listening with ``active_history`` makes SQLAlchemy load the old value."""


def keep_old_values(model: Any, fields: tuple[str, ...]) -> None:
    """Make a row edited without being loaded first still know its old ``fields``."""
    for name in fields:
        event.listen(getattr(model, name), "set", _load_old_value, active_history=True)


keep_old_values(Task, FIELDS)

KEYS = ("tenant_id", "day", "stage_id", "user_id", "team_id")
MEASURES = ("tasks", "value", "days")


def closed_shares(connection: Any, *conditions: Any) -> Select[Any]:
    """The ``SalesDay`` rows of the closed tasks matching ``conditions``: ``KEYS``, ``MEASURES``."""
    tasks = Task.__table__.c
    dialect = connection.dialect.name
    rows = select(
        tasks.tenant_id,
        local_day_of(connection, tasks.closed_at),
        tasks.stage_id,
        func.coalesce(tasks.responsible_user_id, 0),
        func.coalesce(tasks.team_id, 0),
        func.count(),
        func.coalesce(func.sum(tasks.expected_value), 0),
        func.coalesce(func.sum(days_between(tasks.closed_at, tasks.created_at, dialect)), 0),
    ).where(tasks.closed_at.is_not(None), tasks.stage_id.is_not(None), *conditions)
    return grouped(rows, len(KEYS))


def tasks_created(connection: Any, tenant_id: int, ids: list[int]) -> None:
    """Add the shares of tasks inserted with bulk SQL (``myynti_records_created_in_bulk``)."""
    tasks = Task.__table__.c
    rows = closed_shares(connection, tasks.tenant_id == tenant_id, id_in(connection, tasks.id, ids))
    add_selected(connection, SalesDay.__table__, KEYS, MEASURES, rows)


def rebuild(connection: Any, tenant_id: int | None = None) -> None:
    """Sum ``SalesDay`` afresh from the tasks (of one tenant, or all): after bulk SQL."""
    table = SalesDay.__table__
    wanted = [] if tenant_id is None else [table.c.tenant_id == tenant_id]
    connection.execute(delete(table).where(*wanted))
    tasks = Task.__table__.c
    one = [] if tenant_id is None else [tasks.tenant_id == tenant_id]
    connection.execute(
        insert(table).from_select([*KEYS, *MEASURES], closed_shares(connection, *one))
    )
