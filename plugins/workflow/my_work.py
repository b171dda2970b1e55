"""My work: a user's open tasks and the open activities assigned to them, by due time.

Read for a busy user of a large tenant, so each list is a range of its own
index, with and without a due time read separately (no sort over the
user's whole history), and capped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from core.models import as_utc
from plugins.contacts.models import Customer
from plugins.workflow import open_counts
from plugins.workflow.board import LOCAL_TIME, local_today
from plugins.workflow.models import Activity, ActivityType, Stage, Task

LIMIT = 100
GROUPS = ("overdue", "today", "upcoming", "undated")


@dataclass
class MyTask:
    id: int
    title: str
    due_date: date | None
    expected_value: Decimal | None
    stage_name: dict[str, str]
    customer_name: str | None

    @property
    def day(self) -> date | None:
        return self.due_date


@dataclass
class MyActivity:
    id: int
    subject: str
    due_at: datetime | None
    version: int
    task_id: int | None
    task_title: str | None
    type_name: dict[str, str]
    customer_id: int | None = None
    customer_name: str | None = None

    @property
    def day(self) -> date | None:
        """The local (Helsinki) day it is due."""
        return local_day(self.due_at)


def _group(day: date | None, today: date) -> str:
    if day is None:
        return "undated"
    if day < today:
        return "overdue"
    return "today" if day == today else "upcoming"


def my_tasks(db: Any, user_id: int, limit: int = LIMIT) -> list[MyTask]:
    base = (
        select(
            Task.id,
            Task.title,
            Task.due_date,
            Task.expected_value,
            Stage.name,
            Customer.name,
        )
        .join(Stage, Stage.id == Task.stage_id)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(Task.responsible_user_id == user_id, Task.closed_at.is_(None))
    )
    dated = db.execute(
        base.where(Task.due_date.is_not(None)).order_by(Task.due_date, Task.id).limit(limit)
    ).all()
    undated = (
        db.execute(
            base.where(Task.due_date.is_(None)).order_by(Task.id.desc()).limit(limit - len(dated))
        ).all()
        if len(dated) < limit
        else []
    )
    return [MyTask(*row) for row in (*dated, *undated)]


def my_activities(db: Any, user_id: int, limit: int = LIMIT) -> list[MyActivity]:
    """My open activities, on tasks or on customers without one, by due time.

    The page of activities is chosen first, from ``ix_activity_my_work`` in its order,
    and only its rows are joined to their tasks and customers: joined before the limit,
    PostgreSQL joined all of a busy user's open activities (13,000 at a million rows, most
    of a second) to sort them for the first hundred.
    """
    mine = (
        Activity.assignee_user_id == user_id,
        Activity.done_at.is_(None),
        Activity.cancelled_at.is_(None),
    )
    dated = db.execute(
        _activity_rows((*mine, Activity.due_at.is_not(None)), (Activity.due_at, Activity.id), limit)
    ).all()
    undated = (
        db.execute(
            _activity_rows(
                (*mine, Activity.due_at.is_(None)), (Activity.id.desc(),), limit - len(dated)
            )
        ).all()
        if len(dated) < limit
        else []
    )
    return [MyActivity(*row) for row in (*dated, *undated)]


#: The activity's own customer and its task's, aliased once: an alias copies each of the
#: customer's columns, which cost more than the rest of the statement's building.
_OWN_CUSTOMER = aliased(Customer, name="own_customer")
_TASK_CUSTOMER = aliased(Customer, name="task_customer")


def due_activities(db: Any, user_id: int, before: datetime, limit: int = LIMIT) -> list[MyActivity]:
    """My open activities due before ``before`` (the home's panel: overdue and today), in one
    statement: the range of ``ix_activity_my_work`` up to that moment."""
    mine = (
        Activity.assignee_user_id == user_id,
        Activity.done_at.is_(None),
        Activity.cancelled_at.is_(None),
        Activity.due_at < before,
    )
    rows = db.execute(_activity_rows(mine, (Activity.due_at, Activity.id), limit)).all()
    return [MyActivity(*row) for row in rows]


def due_task_count(db: Any, user_id: int, today: date) -> int:
    """How many of my open tasks are due today or overdue, from the kept open-task counts
    (a busy person has tens of thousands of open tasks in a large tenant)."""
    return int(db.scalar(open_counts.due_by(user_id, today)))


def _activity_rows(conditions: tuple[Any, ...], order: tuple[Any, ...], limit: int) -> Any:
    """The first ``limit`` activities by ``order``, then what their rows show.

    The customer is the activity's own, else its task's: two joins on plain columns. Joined
    on their ``coalesce``, which row-level security does not let PostgreSQL use as an
    index condition, it read every customer of the tenant.
    """
    page = select(Activity.id).where(*conditions).order_by(*order).limit(limit).subquery()
    own, of_task = _OWN_CUSTOMER, _TASK_CUSTOMER
    has_own = Activity.customer_id.is_not(None)
    return (
        select(
            Activity.id,
            Activity.subject,
            Activity.due_at,
            Activity.version,
            Task.id,
            Task.title,
            ActivityType.name,
            case((has_own, own.id), else_=of_task.id),
            case((has_own, own.name), else_=of_task.name),
        )
        .select_from(page)
        .join(Activity, Activity.id == page.c.id)
        .outerjoin(Task, Task.id == Activity.task_id)
        .join(ActivityType, ActivityType.id == Activity.type_id)
        .outerjoin(own, own.id == Activity.customer_id)
        .outerjoin(of_task, of_task.id == Task.customer_id)
        .order_by(*order)
    )


def local_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return as_utc(moment).astimezone(LOCAL_TIME).date()


def grouped(
    items: list[MyTask] | list[MyActivity], today: date | None = None
) -> dict[str, list[Any]]:
    """``items`` by group of their day (overdue, today, upcoming, undated), keeping their order."""
    today = today or local_today()
    groups: dict[str, list[Any]] = {name: [] for name in GROUPS}
    for item in items:
        groups[_group(item.day, today)].append(item)
    return groups
