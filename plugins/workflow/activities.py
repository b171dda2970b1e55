"""Activities on a task: adding, completing and reopening them, each in the task's history.

An activity is assigned to any active member of the task's team, or of the
tenant when the task has no team; assigning one never touches the task's
responsible person. The history events carry what a reader needs (type,
subject, assignee, due time, outcome) so the timeline needs no other query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from core import EventKind
from core.history import record_event
from core.models import Membership, TeamMember, User, utcnow
from plugins.workflow import _
from plugins.workflow.board import LOCAL_TIME
from plugins.workflow.models import Activity, ActivityType, Task

ADDED = "activity_added"
DONE = "activity_done"
REOPENED = "activity_reopened"
TEMPLATE = "plugins.workflow:templates/event_activity.pt"

NO_SUCH_TYPE = _("Choose one of the activity types in use.")
NOT_IN_TEAM = _("Choose a member of the task's team.")
NOT_IN_TENANT = _("Choose an active member of your organisation.")
STALE_ACTIVITY = _("Someone else changed this activity in the meantime. Check it and try again.")


def event_kinds() -> list[EventKind]:
    return [
        EventKind(ADDED, {"fi": "Aktiviteetti lisätty", "en": "Activity added"}, "☎", TEMPLATE),
        EventKind(DONE, {"fi": "Aktiviteetti tehty", "en": "Activity done"}, "✔", TEMPLATE),
        EventKind(
            REOPENED,
            {"fi": "Aktiviteetti avattu uudelleen", "en": "Activity reopened"},
            "↺",
            TEMPLATE,
        ),
    ]


def assignees(db: Any, task: Task) -> list[tuple[int, str]]:
    """Who may be assigned an activity on ``task``: its team's active members, else the tenant's."""
    query = (
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.active, User.active)
        .order_by(User.name, User.email)
    )
    if task.team_id:
        query = query.join(TeamMember, TeamMember.user_id == User.id).where(
            TeamMember.team_id == task.team_id
        )
    return [(uid, name or email) for uid, name, email in db.execute(query)]


def active_types(db: Any) -> list[ActivityType]:
    return list(
        db.scalars(
            select(ActivityType)
            .where(ActivityType.retired_at.is_(None))
            .order_by(ActivityType.position, ActivityType.id)
        )
    )


def due_at(day: date | None, clock: time | None) -> datetime | None:
    """The due moment, given in Finnish time, as UTC (SQLite keeps no time zone).

    A day without a time is due at the end of the working day, 16.00.
    """
    if day is None:
        return None
    return datetime.combine(day, clock or time(16, 0), tzinfo=LOCAL_TIME).astimezone(UTC)


def reference_errors(db: Any, task: Task, type_id: int, assignee_id: int) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    kind = db.get(ActivityType, type_id) if type_id > 0 else None
    if kind is None or kind.retired_at is not None:
        errors["type_id"] = NO_SUCH_TYPE
    if assignee_id and assignee_id not in dict(assignees(db, task)):
        errors["assignee_user_id"] = NOT_IN_TEAM if task.team_id else NOT_IN_TENANT
    return errors


def _payload(db: Any, activity: Activity) -> dict[str, Any]:
    kind = db.get(ActivityType, activity.type_id)
    assignee = db.get(User, activity.assignee_user_id) if activity.assignee_user_id else None
    return {
        "activity_id": activity.id,
        "type": kind.name if kind else {},
        "subject": activity.subject,
        "assignee": assignee.display_name if assignee else "",
        "due_at": activity.due_at.isoformat() if activity.due_at else None,
        "outcome": activity.outcome,
    }


def add_activity(db: Any, task: Task, values: dict[str, Any], user: User | None) -> Activity:
    activity = Activity(task_id=task.id, created_by_id=user.id if user else None, **values)
    db.add(activity)
    db.flush()
    record_event(db, "task", task.id, ADDED, _payload(db, activity), user=user)
    return activity


def complete(db: Any, activity: Activity, outcome: str, user: User | None) -> None:
    """Mark done now, with the outcome; the version column refuses a stale click."""
    activity.done_at = utcnow()
    if outcome:
        activity.outcome = outcome
    db.flush()
    record_event(db, "task", activity.task_id, DONE, _payload(db, activity), user=user)


def reopen(db: Any, activity: Activity, user: User | None) -> None:
    activity.done_at = None
    db.flush()
    record_event(db, "task", activity.task_id, REOPENED, _payload(db, activity), user=user)


def task_activities(db: Any, task: Task) -> list[Activity]:
    """The task's activities: open ones by due time first, then the done ones, newest first."""
    rows = list(
        db.scalars(
            select(Activity)
            .where(Activity.task_id == task.id)
            .order_by(Activity.due_at.is_(None), Activity.due_at, Activity.id)
        )
    )
    open_ones = [a for a in rows if a.done_at is None]
    done = sorted((a for a in rows if a.done_at is not None), key=lambda a: a.done_at, reverse=True)
    return open_ones + done
