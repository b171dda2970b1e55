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

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, event, insert, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite

from core.models import as_utc
from plugins.reports.models import SalesDay
from plugins.reports.periods import LOCAL_TIME
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
    make = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = make(table).values(**key, **measures)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in measures},
    )
    connection.execute(statement)


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

#: PostgreSQL sums the whole table in one statement, by the local day.
_REBUILD_POSTGRESQL = """
    INSERT INTO report_sales_day (tenant_id, day, stage_id, user_id, team_id, tasks, value, days)
    SELECT tenant_id, timezone('Europe/Helsinki', closed_at)::date, stage_id,
        coalesce(responsible_user_id, 0), coalesce(team_id, 0), count(*),
        coalesce(sum(expected_value), 0),
        coalesce(sum(extract(epoch FROM closed_at - created_at) / 86400), 0)
    FROM task
    WHERE closed_at IS NOT NULL {tenant}
    GROUP BY 1, 2, 3, 4, 5
"""


def rebuild(connection: Any, tenant_id: int | None = None) -> None:
    """Sum ``SalesDay`` afresh from the tasks (of one tenant, or all): after bulk SQL."""
    table = SalesDay.__table__
    wanted = [] if tenant_id is None else [table.c.tenant_id == tenant_id]
    connection.execute(delete(table).where(*wanted))
    if connection.dialect.name == "postgresql":
        one = "" if tenant_id is None else "AND tenant_id = :tenant"
        connection.execute(text(_REBUILD_POSTGRESQL.format(tenant=one)), {"tenant": tenant_id})
        return
    tasks = Task.__table__
    shares: dict[tuple[Any, ...], list[Any]] = {}
    rows = connection.execute(
        select(*(tasks.c[name] for name in FIELDS)).where(
            tasks.c.closed_at.is_not(None),
            *([] if tenant_id is None else [tasks.c.tenant_id == tenant_id]),
        )
    )
    for row in rows:
        found = share(dict(row._mapping))
        if found is None:
            continue
        key = (found.tenant_id, found.day, found.stage_id, found.user_id, found.team_id)
        total = shares.setdefault(key, [0, Decimal(0), 0.0])
        total[0] += 1
        total[1] += found.value
        total[2] += found.days
    if shares:
        connection.execute(
            insert(table),
            [
                dict(zip(("tenant_id", "day", "stage_id", "user_id", "team_id"), key, strict=True))
                | {"tasks": n, "value": value, "days": days}
                for key, (n, value, days) in shares.items()
            ],
        )
