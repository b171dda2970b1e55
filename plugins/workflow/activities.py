"""Activities on a task: adding, editing, completing and reopening them, each in the history.

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
from core.models import Membership, TeamMember, User, as_utc, utcnow
from plugins.workflow import _
from plugins.workflow.board import LOCAL_TIME
from plugins.workflow.models import Activity, ActivityType, Task

ADDED = "activity_added"
DONE = "activity_done"
REOPENED = "activity_reopened"
CHANGED = "activity_changed"
TEMPLATE = "plugins.workflow:templates/event_activity.pt"
CHANGED_TEMPLATE = "plugins.workflow:templates/event_activity_changed.pt"

#: What an edit may change, in the order the history lists the changes.
EDITABLE = ("type_id", "subject", "assignee_user_id", "due_at", "outcome")

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
        EventKind(
            CHANGED,
            {"fi": "Aktiviteettia muokattu", "en": "Activity changed"},
            "✎",
            CHANGED_TEMPLATE,
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


def local_due(value: datetime | None) -> tuple[date | None, time | None]:
    """The due moment as the Finnish day and time a form shows: ``due_at`` reversed."""
    if value is None:
        return None, None
    local = as_utc(value).astimezone(LOCAL_TIME)
    return local.date(), local.time().replace(second=0, microsecond=0)


def reference_errors(
    db: Any, task: Task, type_id: int, assignee_id: int, keep: Activity | None = None
) -> dict[str, Any]:
    """``{field: message}`` for a type or assignee the activity may not have.

    An edited activity (``keep``) may keep the type and the assignee it already
    has, even when the type was retired or the person left the team since.
    """
    errors: dict[str, Any] = {}
    kind = db.get(ActivityType, type_id) if type_id > 0 else None
    kept_type = keep is not None and kind is not None and keep.type_id == type_id
    if kind is None or (kind.retired_at is not None and not kept_type):
        errors["type_id"] = NO_SUCH_TYPE
    kept_assignee = keep is not None and keep.assignee_user_id == assignee_id
    if assignee_id and not kept_assignee and assignee_id not in dict(assignees(db, task)):
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


def _readable(db: Any, key: str, value: Any) -> Any:
    """A changed value as the history shows it: names, not ids."""
    if value is None:
        return None
    if key == "type_id":
        kind = db.get(ActivityType, value)
        return kind.name if kind else {}
    if key == "assignee_user_id":
        person = db.get(User, value)
        return person.display_name if person else None
    if key == "due_at":
        return as_utc(value).isoformat()
    return value


def change_activity(
    db: Any, activity: Activity, values: dict[str, Any], user: User | None
) -> dict[str, list[Any]]:
    """Apply an edit and record what changed; the version column refuses a stale one.

    Returns ``{field: [old, new]}``, readable; an edit that changes nothing
    writes nothing and records no event.
    """
    changed: dict[str, list[Any]] = {}
    for key in EDITABLE:
        if key not in values:
            continue
        old, new = getattr(activity, key), values[key]
        if key == "due_at":
            old, new = as_utc(old), as_utc(new)
        if old != new:
            changed[key] = [_readable(db, key, old), _readable(db, key, new)]
            setattr(activity, key, new)
    if changed:
        db.flush()
        payload = {**_payload(db, activity), "changes": changed}
        record_event(db, "task", activity.task_id, CHANGED, payload, user=user)
    return changed


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
