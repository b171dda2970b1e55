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

from sqlalchemy import Select, delete, func, insert, select

from core.bulk import id_in
from core.kept_sums import (
    add_in_order,
    add_selected,
    grouped,
    keep,
)
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


keep(Task, FIELDS, share, _apply)

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
