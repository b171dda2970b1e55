"""The dashboard's sales figures: a few grouped queries, never one per task or person.

A salesperson's: the value of their open tasks by stage, their activities due today and
overdue (by the Helsinki day, as My work groups them), their overdue tasks. A manager's:
the team's open tasks by stage, what was won this month, and each person's activities
this week (done, and still planned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from core import label_text
from core.models import User
from plugins.workflow import open_counts
from plugins.workflow.board import LOCAL_TIME
from plugins.workflow.models import Activity, Stage, StageKind, Task, Workflow


@dataclass(frozen=True)
class StageFigure:
    """Open tasks in one stage: how many, their expected value, how many past their day."""

    label: str
    count: int
    value: Decimal
    overdue: int


@dataclass(frozen=True)
class PersonFigure:
    name: str
    done: int
    planned: int


def local_midnight(day: date) -> datetime:
    """The moment ``day`` starts in Helsinki, in UTC (as stored: SQLite compares text)."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TIME).astimezone(UTC)


def pipeline(
    db: Any, today: date, locale: str, responsible_user_id: int | None = None
) -> list[StageFigure]:
    """Open tasks by stage, in board order; only one person's when ``responsible_user_id``.

    Summed from the kept counts (``open_counts``), a few rows per stage, not the tasks.
    """
    per_stage = open_counts.per_stage(today, responsible_user_id)
    rows = db.execute(
        select(Workflow.name, Stage.name, per_stage.c.count, per_stage.c.value, per_stage.c.overdue)
        .join(Stage, Stage.id == per_stage.c.stage_id)
        .join(Workflow, Workflow.id == Stage.workflow_id)
        .order_by(Workflow.position, Workflow.id, Stage.position, Stage.id)
    ).all()
    several = len({label_text(row[0], locale) for row in rows}) > 1
    return [
        StageFigure(_stage_label(workflow, stage, locale, several), count, Decimal(value), overdue)
        for workflow, stage, count, value, overdue in rows
    ]


def _stage_label(workflow: Any, stage: Any, locale: str, with_workflow: bool) -> str:
    name = label_text(stage, locale)
    return f"{label_text(workflow, locale)}: {name}" if with_workflow else name


def my_activities(db: Any, user_id: int, today: date) -> tuple[int, int]:
    """``(due today, overdue)`` of the user's open activities."""
    start, end = local_midnight(today), local_midnight(today + timedelta(days=1))
    due_today, overdue = db.execute(
        select(
            func.count().filter(and_(Activity.due_at >= start, Activity.due_at < end)),
            func.count().filter(Activity.due_at < start),
        ).where(Activity.assignee_user_id == user_id, Activity.done_at.is_(None))
    ).one()
    return due_today, overdue


def won_since(db: Any, since: datetime) -> tuple[int, Decimal]:
    """``(count, value)`` of the tasks won since ``since``."""
    count, value = db.execute(
        select(func.count(), func.coalesce(func.sum(Task.expected_value), 0))
        .join(Stage, Stage.id == Task.stage_id)
        .where(Stage.kind == StageKind.WON, Task.closed_at >= since)
    ).one()
    return count, Decimal(value)


def activities_per_person(db: Any, monday: date) -> list[PersonFigure]:
    """Each person's activities of the week starting ``monday``: done in it, planned in it."""
    start, end = local_midnight(monday), local_midnight(monday + timedelta(days=7))
    done = and_(Activity.done_at >= start, Activity.done_at < end)
    planned = and_(Activity.done_at.is_(None), Activity.due_at >= start, Activity.due_at < end)
    rows = db.execute(
        select(User.name, User.email, func.count().filter(done), func.count().filter(planned))
        .join(User, User.id == Activity.assignee_user_id)
        .where(or_(done, planned))
        .group_by(User.id, User.name, User.email)
        .order_by(User.name, User.email)
    ).all()
    return [PersonFigure(name or email, d, p) for name, email, d, p in rows]
