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
stale as days pass. Bulk SQL on tasks bypasses the listeners: tasks inserted
so are added by ``tasks_created`` (``myynti_records_created_in_bulk``), other
bulk SQL must be followed by ``rebuild``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Select, cast, delete, func, insert, literal, select

from core.bulk import id_in
from core.kept_sums import (
    add_in_order,
    add_selected,
    grouped,
    keep,
)
from core.models import as_utc
from plugins.reports.models import PipelineAge, PipelineCell
from plugins.reports.sql import epoch_seconds as epoch_of
from plugins.reports.sql import local_day as local_day_of
from plugins.reports.summary import local_day
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


keep(Task, FIELDS, share, _apply)

CELL_KEYS = ("tenant_id", "stage_id", "user_id", "team_id", "close_month")
AGE_KEYS = ("tenant_id", "entered_day", "stage_id", "user_id", "team_id")
MEASURES = ("tasks", "value", "entered")


def open_shares(connection: Any, *conditions: Any) -> dict[Any, tuple[tuple[str, ...], Select]]:
    """Per table, its key and the sums of the open tasks matching ``conditions`` by it.

    The rows hold the key's columns, then ``MEASURES``, as ``share`` computes
    them task by task.
    """
    tasks = Task.__table__.c
    dialect = connection.dialect.name
    if dialect == "postgresql":
        month = cast(func.date_trunc("month", tasks.close_date), Date)
    else:
        month = func.strftime("%Y-%m-01", tasks.close_date)
    who = (
        tasks.stage_id,
        func.coalesce(tasks.responsible_user_id, 0),
        func.coalesce(tasks.team_id, 0),
    )
    measures = (
        func.count(),
        func.coalesce(func.sum(tasks.expected_value), 0),
        func.sum(epoch_of(tasks.stage_entered_at, dialect)),
    )
    where = (tasks.closed_at.is_(None), tasks.stage_id.is_not(None), *conditions)
    close_month = func.coalesce(month, literal(NO_DATE, Date))
    entered_day = local_day_of(connection, tasks.stage_entered_at)
    cells = select(tasks.tenant_id, *who, close_month, *measures).where(*where)
    ages = select(tasks.tenant_id, entered_day, *who, *measures).where(*where)
    return {
        PipelineCell.__table__: (CELL_KEYS, grouped(cells, len(CELL_KEYS))),
        PipelineAge.__table__: (AGE_KEYS, grouped(ages, len(AGE_KEYS))),
    }


def tasks_created(connection: Any, tenant_id: int, ids: list[int]) -> None:
    """Add the shares of tasks inserted with bulk SQL (``myynti_records_created_in_bulk``).

    One ``INSERT … SELECT … GROUP BY … ON CONFLICT`` per table, whatever the
    number of tasks.
    """
    tasks = Task.__table__.c
    mine = (tasks.tenant_id == tenant_id, id_in(connection, tasks.id, ids))
    for table, (keys, rows) in open_shares(connection, *mine).items():
        add_selected(connection, table, keys, MEASURES, rows)


def rebuild(connection: Any, tenant_id: int | None = None) -> None:
    """Sum both tables afresh from the open tasks (of one tenant, or all): after bulk SQL."""
    one = [] if tenant_id is None else [Task.__table__.c.tenant_id == tenant_id]
    for table, (keys, rows) in open_shares(connection, *one).items():
        connection.execute(
            delete(table).where(*([] if tenant_id is None else [table.c.tenant_id == tenant_id]))
        )
        connection.execute(insert(table).from_select([*keys, *MEASURES], rows))
