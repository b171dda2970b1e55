"""Keeping ``ActivityDay`` exact: each activity write adds or takes away its count.

A done activity counts on the local day it was done; an open one (neither
done nor cancelled) with a due moment on the local day it is due; others
nowhere. Marking an activity done moves its count from its due day's open
row to its done day's done row, undoing it moves it back, cancelling takes it
away; a new assignee, type or due moment moves it too. The ORM listeners do
this with upserts on the flush's own connection, as ``summary.py`` does for
``SalesDay``. Deleting a task deletes its activities by the foreign key's
``ON DELETE CASCADE``, which the ORM never sees, so a task's delete takes
its activities' counts away first. Bulk SQL on activities bypasses the
listeners and must be followed by ``rebuild``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, event, insert, select, text

from core.kept_sums import add_in_order, keep
from plugins.reports.models import ActivityDay
from plugins.reports.summary import local_day
from plugins.workflow.models import Activity, Task

FIELDS = ("tenant_id", "type_id", "assignee_user_id", "due_at", "done_at", "cancelled_at")


@dataclass(frozen=True)
class Share:
    """The ``ActivityDay`` row one activity counts in."""

    tenant_id: int
    day: date
    user_id: int
    type_id: int
    done: bool


def share(values: dict[str, Any]) -> Share | None:
    """Where an activity with these ``FIELDS`` counts; ``None`` if nowhere."""
    if values["tenant_id"] is None or values["type_id"] is None:
        return None
    if values["done_at"] is not None:
        moment, done = values["done_at"], True
    elif values["cancelled_at"] is None and values["due_at"] is not None:
        moment, done = values["due_at"], False
    else:
        return None
    return Share(
        tenant_id=values["tenant_id"],
        day=local_day(moment),
        user_id=values["assignee_user_id"] or 0,
        type_id=values["type_id"],
        done=done,
    )


def _apply(connection: Any, changes: list[tuple[Share, int]]) -> None:
    add_in_order(
        connection,
        ActivityDay.__table__,
        [
            (
                {
                    "tenant_id": found.tenant_id,
                    "day": found.day,
                    "user_id": found.user_id,
                    "type_id": found.type_id,
                    "done": found.done,
                },
                {"activities": sign},
            )
            for found, sign in changes
        ],
    )


@event.listens_for(Task, "before_delete")
def _task_deleted(mapper: Any, connection: Any, target: Task) -> None:
    """The task's activities go with it (``ON DELETE CASCADE``): take their counts away."""
    activities = Activity.__table__
    rows = connection.execute(
        select(*(activities.c[name] for name in FIELDS)).where(
            activities.c.tenant_id == target.tenant_id, activities.c.task_id == target.id
        )
    )
    found = [share(dict(row._mapping)) for row in rows]
    _apply(connection, [(one, -1) for one in found if one is not None])


keep(Activity, FIELDS, share, _apply)

#: PostgreSQL counts every activity in one statement, by the local day.
_REBUILD_POSTGRESQL = """
    INSERT INTO report_activity_day (tenant_id, day, user_id, type_id, done, activities)
    SELECT tenant_id, timezone('Europe/Helsinki', coalesce(done_at, due_at))::date,
        coalesce(assignee_user_id, 0), type_id, done_at IS NOT NULL, count(*)
    FROM activity
    WHERE (done_at IS NOT NULL OR (cancelled_at IS NULL AND due_at IS NOT NULL)) {tenant}
    GROUP BY 1, 2, 3, 4, 5
"""


def rebuild(connection: Any, tenant_id: int | None = None) -> None:
    """Count ``ActivityDay`` afresh from the activities (of one tenant, or all): after bulk SQL."""
    table = ActivityDay.__table__
    connection.execute(
        delete(table).where(*([] if tenant_id is None else [table.c.tenant_id == tenant_id]))
    )
    if connection.dialect.name == "postgresql":
        one = "" if tenant_id is None else "AND tenant_id = :tenant"
        connection.execute(text(_REBUILD_POSTGRESQL.format(tenant=one)), {"tenant": tenant_id})
        return
    activities = Activity.__table__
    rows = connection.execute(
        select(*(activities.c[name] for name in FIELDS)).where(
            *([] if tenant_id is None else [activities.c.tenant_id == tenant_id])
        )
    )
    counts: dict[Share, int] = {}
    for row in rows:
        found = share(dict(row._mapping))
        if found is not None:
            counts[found] = counts.get(found, 0) + 1
    if counts:
        connection.execute(
            insert(table),
            [
                {
                    "tenant_id": found.tenant_id,
                    "day": found.day,
                    "user_id": found.user_id,
                    "type_id": found.type_id,
                    "done": found.done,
                    "activities": n,
                }
                for found, n in counts.items()
            ],
        )
