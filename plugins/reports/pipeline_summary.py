"""Keeping ``PipelineCell`` and ``PipelineAge`` exact: the open tasks, as tasks are written.

An open task (``closed_at`` NULL) has one share: its stage, person, team,
expected close month and the local day it entered its stage, with its value
and its stage entry moment. The ORM listeners below take a task's old share
away and add its new one on every insert, update and delete that changes
one of ``FIELDS`` — a board move (new stage and ``stage_entered_at``),
winning or losing (the share goes), reopening (it comes back, entered
anew), a new value, person, team or close date — with upserts on the
flush's own connection, as ``summary.py`` does for ``SalesDay``. Nothing in a
row depends on the moment it is read: the pipeline's time in stage is
counted from ``stage_entered_at`` when the report runs, so rows never go
stale as days pass. Bulk SQL on tasks bypasses the listeners and must be
followed by ``rebuild``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, event, insert, select, text

from core.models import as_utc
from plugins.reports.models import PipelineAge, PipelineCell
from plugins.reports.summary import (
    add_in_order,
    keep_old_values,
    local_day,
    now_values,
    values_before,
)
from plugins.workflow.models import Task

#: ``close_month`` of a task with no expected close date (the unique key takes no NULLs).
NO_DATE = date(1, 1, 1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FIELDS = (
    "tenant_id",
    "closed_at",
    "stage_id",
    "responsible_user_id",
    "team_id",
    "expected_value",
    "close_date",
    "stage_entered_at",
)


@dataclass(frozen=True)
class Share:
    """One open task's contribution to a ``PipelineCell`` row and a ``PipelineAge`` row."""

    tenant_id: int
    stage_id: int
    user_id: int
    team_id: int
    close_month: date
    entered_day: date
    value: Decimal
    #: ``stage_entered_at`` in whole seconds since 1970 (summed for the average age).
    entered: int


def epoch_seconds(moment: datetime) -> int:
    return (as_utc(moment) - EPOCH) // timedelta(seconds=1)


def share(values: dict[str, Any]) -> Share | None:
    """The share of a task with these ``FIELDS``; ``None`` once it is closed."""
    if values["closed_at"] is not None or values["tenant_id"] is None:
        return None
    if values["stage_id"] is None:
        return None
    close = values["close_date"]
    entered = values["stage_entered_at"]
    return Share(
        tenant_id=values["tenant_id"],
        stage_id=values["stage_id"],
        user_id=values["responsible_user_id"] or 0,
        team_id=values["team_id"] or 0,
        close_month=close.replace(day=1) if close is not None else NO_DATE,
        entered_day=local_day(entered),
        value=Decimal(values["expected_value"] or 0),
        entered=epoch_seconds(entered),
    )


def _apply(connection: Any, changes: list[tuple[Share, int]]) -> None:
    cells, ages = [], []
    for found, sign in changes:
        measures = {"tasks": sign, "value": sign * found.value, "entered": sign * found.entered}
        who = (("stage_id", found.stage_id), ("user_id", found.user_id), ("team_id", found.team_id))
        tenant = {"tenant_id": found.tenant_id}
        cells.append(({**tenant, **dict(who), "close_month": found.close_month}, measures))
        ages.append(({**tenant, "entered_day": found.entered_day, **dict(who)}, measures))
    add_in_order(connection, PipelineCell.__table__, cells)
    add_in_order(connection, PipelineAge.__table__, ages)


@event.listens_for(Task, "after_insert")
def _inserted(mapper: Any, connection: Any, target: Task) -> None:
    found = share(now_values(target, FIELDS))
    if found is not None:
        _apply(connection, [(found, 1)])


@event.listens_for(Task, "after_update")
def _updated(mapper: Any, connection: Any, target: Task) -> None:
    old, new = share(values_before(target, FIELDS)), share(now_values(target, FIELDS))
    if old != new:
        _apply(connection, [(found, sign) for found, sign in ((old, -1), (new, 1)) if found])


@event.listens_for(Task, "after_delete")
def _deleted(mapper: Any, connection: Any, target: Task) -> None:
    found = share(values_before(target, FIELDS))
    if found is not None:
        _apply(connection, [(found, -1)])


keep_old_values(Task, FIELDS)

#: PostgreSQL sums the open tasks in one statement per table.
_REBUILD_POSTGRESQL = (
    """
    INSERT INTO report_pipeline
        (tenant_id, stage_id, user_id, team_id, close_month, tasks, value, entered)
    SELECT tenant_id, stage_id, coalesce(responsible_user_id, 0), coalesce(team_id, 0),
        coalesce(date_trunc('month', close_date)::date, date '0001-01-01'), count(*),
        coalesce(sum(expected_value), 0), sum(floor(extract(epoch FROM stage_entered_at)))
    FROM task
    WHERE closed_at IS NULL {tenant}
    GROUP BY 1, 2, 3, 4, 5
    """,
    """
    INSERT INTO report_pipeline_age
        (tenant_id, entered_day, stage_id, user_id, team_id, tasks, value, entered)
    SELECT tenant_id, timezone('Europe/Helsinki', stage_entered_at)::date, stage_id,
        coalesce(responsible_user_id, 0), coalesce(team_id, 0), count(*),
        coalesce(sum(expected_value), 0), sum(floor(extract(epoch FROM stage_entered_at)))
    FROM task
    WHERE closed_at IS NULL {tenant}
    GROUP BY 1, 2, 3, 4, 5
    """,
)


def rebuild(connection: Any, tenant_id: int | None = None) -> None:
    """Sum both tables afresh from the open tasks (of one tenant, or all): after bulk SQL."""
    tables = (PipelineCell.__table__, PipelineAge.__table__)
    for table in tables:
        connection.execute(
            delete(table).where(*([] if tenant_id is None else [table.c.tenant_id == tenant_id]))
        )
    if connection.dialect.name == "postgresql":
        one = "" if tenant_id is None else "AND tenant_id = :tenant"
        for statement in _REBUILD_POSTGRESQL:
            connection.execute(text(statement.format(tenant=one)), {"tenant": tenant_id})
        return
    tasks = Task.__table__
    rows = connection.execute(
        select(*(tasks.c[name] for name in FIELDS)).where(
            tasks.c.closed_at.is_(None),
            *([] if tenant_id is None else [tasks.c.tenant_id == tenant_id]),
        )
    )
    cells: dict[tuple[Any, ...], list[Any]] = {}
    ages: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        found = share(dict(row._mapping))
        if found is None:
            continue
        who = (found.tenant_id, found.stage_id, found.user_id, found.team_id)
        for sums, key in ((cells, (*who, found.close_month)), (ages, (*who, found.entered_day))):
            total = sums.setdefault(key, [0, Decimal(0), 0])
            total[0] += 1
            total[1] += found.value
            total[2] += found.entered
    for table, sums, last in ((tables[0], cells, "close_month"), (tables[1], ages, "entered_day")):
        names = ("tenant_id", "stage_id", "user_id", "team_id", last)
        if sums:
            connection.execute(
                insert(table),
                [
                    dict(zip(names, key, strict=True))
                    | {"tasks": n, "value": value, "entered": entered}
                    for key, (n, value, entered) in sums.items()
                ],
            )
