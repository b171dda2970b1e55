"""Keeping ``OpenTaskCount`` exact: the open tasks counted, so pages need not count them.

The tenant home's pipeline (one person's or the tenant's open tasks by stage,
their value and how many are past their due day) and the board's open columns
(optionally of one team, one person, or a due range) used to count task rows
on every view: two index scans of 11-25 ms each with 200,000 open tasks,
growing with the data. They now sum these rows.

The key is what those figures group and filter by, and nothing more: person
(``user_id``, first after the tenant, so one person's pipeline is a range of
the unique index), stage, team and due date. The due date is kept as the day
itself, not as "overdue or not": today moves, and a row must never go stale as
it does, so the overdue count is a sum over the rows with ``due_date`` before
today, read when the page is. Due dates cluster around today, so a person has a
few rows per stage and day, a tenant at most people × stages × days in use,
far fewer than its tasks. The customer and the title are not in the key: the
board filtered by either still counts its tasks (few, by then).

An open task (``closed_at`` NULL) is in exactly one row. The ORM listeners
below take a task's old share away and add its new one on every insert,
update and delete that changes one of ``FIELDS`` (a move, winning or losing,
reopening, a new person, team, due day or value), with atomic upserts on the
flush's own connection (``core.kept_sums``), so the counts commit or roll back
with the task and two concurrent writes never lose an increment. Tasks
inserted with bulk SQL (a campaign's launch) are added by ``tasks_created``
(``myynti_records_created_in_bulk``); any other bulk SQL on tasks must be
followed by ``rebuild``. Rows that fall to zero are kept (a later task reuses
them); readers skip them.

The board's won and lost columns count tasks closed in the last 30 days: a
window that moves with the clock, which a counter would have to forget day by
day, so those stay a range of ``ix_task_board_totals`` over the closed tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, Select, delete, func, insert, literal, select

from core.bulk import id_in
from core.kept_sums import (
    add_in_order,
    add_selected,
    grouped,
    keep,
)
from plugins.workflow.models import OpenTaskCount, Task

if TYPE_CHECKING:
    from plugins.workflow.board import BoardFilter

#: ``due_date`` of a task with no due date (the unique key takes no NULLs).
NO_DATE = date(1, 1, 1)

#: What a task's share depends on; changing any of these moves the share.
FIELDS = (
    "tenant_id",
    "closed_at",
    "stage_id",
    "responsible_user_id",
    "team_id",
    "due_date",
    "expected_value",
)
KEYS = ("tenant_id", "user_id", "stage_id", "team_id", "due_date")
MEASURES = ("tasks", "value")


@dataclass(frozen=True)
class Share:
    """One open task's contribution: the row it counts in and its expected value."""

    tenant_id: int
    user_id: int
    stage_id: int
    team_id: int
    due_date: date
    value: Decimal


def share(values: dict[str, Any]) -> Share | None:
    """The share of a task with these ``FIELDS``; ``None`` once it is closed."""
    if values["closed_at"] is not None or values["tenant_id"] is None:
        return None
    if values["stage_id"] is None:
        return None
    return Share(
        tenant_id=values["tenant_id"],
        user_id=values["responsible_user_id"] or 0,
        stage_id=values["stage_id"],
        team_id=values["team_id"] or 0,
        due_date=values["due_date"] or NO_DATE,
        value=Decimal(values["expected_value"] or 0),
    )


def _apply(connection: Any, changes: list[tuple[Share, int]]) -> None:
    add_in_order(
        connection,
        OpenTaskCount.__table__,
        [
            (
                {
                    "tenant_id": found.tenant_id,
                    "user_id": found.user_id,
                    "stage_id": found.stage_id,
                    "team_id": found.team_id,
                    "due_date": found.due_date,
                },
                {"tasks": sign, "value": sign * found.value},
            )
            for found, sign in changes
        ],
    )


keep(Task, FIELDS, share, _apply)


def open_sums(*conditions: Any) -> Select[Any]:
    """The rows of the open tasks matching ``conditions``: ``KEYS`` then ``MEASURES``."""
    tasks = Task.__table__.c
    rows = select(
        tasks.tenant_id,
        func.coalesce(tasks.responsible_user_id, 0),
        tasks.stage_id,
        func.coalesce(tasks.team_id, 0),
        func.coalesce(tasks.due_date, literal(NO_DATE, Date)),
        func.count(),
        func.coalesce(func.sum(tasks.expected_value), 0),
    ).where(tasks.closed_at.is_(None), tasks.stage_id.is_not(None), *conditions)
    return grouped(rows, len(KEYS))


def tasks_created(connection: Any, tenant_id: int, ids: list[int]) -> None:
    """Add tasks inserted with bulk SQL (``myynti_records_created_in_bulk``): one upsert."""
    tasks = Task.__table__.c
    rows = open_sums(tasks.tenant_id == tenant_id, id_in(connection, tasks.id, ids))
    add_selected(connection, OpenTaskCount.__table__, KEYS, MEASURES, rows)


def rebuild(connection: Any, tenant_id: int | None = None) -> None:
    """Count the open tasks afresh (of one tenant, or all): a repair after bulk SQL."""
    table = OpenTaskCount.__table__
    connection.execute(
        delete(table).where(*([] if tenant_id is None else [table.c.tenant_id == tenant_id]))
    )
    one = [] if tenant_id is None else [Task.__table__.c.tenant_id == tenant_id]
    connection.execute(insert(table).from_select([*KEYS, *MEASURES], open_sums(*one)))


def _dated_until(day: date) -> Any:
    """Counts of tasks with a due date (not ``NO_DATE``) on or before ``day``."""
    return OpenTaskCount.due_date.between(NO_DATE + timedelta(days=1), day)


def _overdue(today: date) -> Any:
    return _dated_until(today - timedelta(days=1))


def due_by(user_id: int, today: date) -> Select[Any]:
    """How many of the person's open tasks are due by ``today``: overdue or due today."""
    counts = OpenTaskCount
    return select(func.coalesce(func.sum(counts.tasks), 0)).where(
        counts.user_id == user_id, _dated_until(today)
    )


def per_stage(today: date, responsible_user_id: int | None = None) -> Any:
    """The open tasks by stage (all, or one person's): ``stage_id, count, value, overdue``."""
    counts = OpenTaskCount
    mine = [] if responsible_user_id is None else [counts.user_id == responsible_user_id]
    return (
        select(
            counts.stage_id,
            func.sum(counts.tasks).label("count"),
            func.coalesce(func.sum(counts.value), 0).label("value"),
            func.coalesce(func.sum(counts.tasks).filter(_overdue(today)), 0).label("overdue"),
        )
        .where(*mine)
        .group_by(counts.stage_id)
        .having(func.sum(counts.tasks) > 0)
        .subquery()
    )


def column_sums(stage_ids: list[int], filters: BoardFilter, today: date) -> Select[Any] | None:
    """``stage_id, count, value`` of the open tasks in ``stage_ids`` the board's filters
    show; ``None`` when a filter (customer, text) is not in the key and the tasks must
    be counted."""
    if filters.customer_id or filters.text:
        return None
    counts = OpenTaskCount
    conditions = [counts.stage_id.in_(stage_ids)]
    if filters.team_id:
        conditions.append(counts.team_id == filters.team_id)
    if filters.responsible_user_id:
        conditions.append(counts.user_id == filters.responsible_user_id)
    if filters.due == "overdue":
        conditions.append(_overdue(today))
    elif filters.due == "today":
        conditions.append(counts.due_date == today)
    elif filters.due == "week":
        monday = today - timedelta(days=today.weekday())
        conditions.append(counts.due_date.between(monday, monday + timedelta(days=6)))
    return (
        select(counts.stage_id, func.sum(counts.tasks), func.coalesce(func.sum(counts.value), 0))
        .where(*conditions)
        .group_by(counts.stage_id)
    )
