"""Activities: adding, logging as done, editing, completing and reopening them, in the history.

An activity belongs to a task, or to a customer (and maybe one of its contact
persons) when there is no task to put it on. It is assigned to any active
member of the task's team, or of the tenant when there is no team; assigning
one never touches the task's responsible person. Its events go on the task's
timeline, or on the customer's when it has no task. The history events carry
what a reader needs (type, subject, assignee, due time, outcome) so the
timeline needs no other query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import case, select, union_all
from sqlalchemy.orm import aliased, joinedload

from core import EventKind, cache
from core.history import record_event
from core.models import Membership, TeamMember, User, as_utc, utcnow
from plugins.contacts.models import ContactPerson
from plugins.workflow import _
from plugins.workflow.board import LOCAL_TIME
from plugins.workflow.models import Activity, ActivityType, Task

ADDED = "activity_added"
DONE = "activity_done"
REOPENED = "activity_reopened"
CHANGED = "activity_changed"
CLOSED = "activity_closed"
TEMPLATE = "plugins.workflow:templates/event_activity.pt"
CHANGED_TEMPLATE = "plugins.workflow:templates/event_activity_changed.pt"

#: What an edit may change, in the order the history lists the changes.
EDITABLE = ("type_id", "subject", "assignee_user_id", "due_at", "outcome")

NO_SUCH_TYPE = _("Choose one of the activity types in use.")
NOT_IN_TEAM = _("Choose a member of the task's team.")
NOT_IN_TENANT = _("Choose an active member of your organisation.")
NO_SUCH_PERSON = _("Choose a contact person of this customer.")
STALE_ACTIVITY = _("Someone else changed this activity in the meantime. Check it and try again.")

#: Activity types are read on every page with a log form; a change gives a new cache version.
cache.watch(ActivityType)


def event_kinds() -> list[EventKind]:
    return [
        EventKind(
            ADDED,
            _("Activity added"),
            "☎",
            TEMPLATE,
        ),
        EventKind(
            DONE,
            _("Activity done"),
            "✔",
            TEMPLATE,
        ),
        EventKind(
            REOPENED,
            _("Activity reopened"),
            "↺",
            TEMPLATE,
        ),
        EventKind(
            CHANGED,
            _("Activity changed"),
            "✎",
            CHANGED_TEMPLATE,
        ),
        EventKind(
            CLOSED,
            _("Activity closed undone"),
            "✕",
            TEMPLATE,
        ),
    ]


def assignees(db: Any, task: Task | None) -> list[tuple[int, str]]:
    """Who may be assigned an activity on ``task``: its team's active members, else the tenant's.

    An activity without a task may go to any active member of the tenant.
    """
    query = (
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.active, User.active)
        .order_by(User.name, User.email)
    )
    if task is not None and task.team_id:
        query = query.join(TeamMember, TeamMember.user_id == User.id).where(
            TeamMember.team_id == task.team_id
        )
    return [(uid, name or email) for uid, name, email in db.execute(query)]


def type_names(request: Any) -> list[tuple[int, dict[str, str]]]:
    """The tenant's active activity types as ``(id, name)``, kept per process (core.cache)."""
    return cache.cached(
        request,
        "workflow.activity_types",
        lambda: [(t.id, dict(t.name)) for t in active_types(request.db)],
    )


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
    db: Any, task: Task | None, type_id: int, assignee_id: int, keep: Activity | None = None
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
        in_team = task is not None and task.team_id
        errors["assignee_user_id"] = NOT_IN_TEAM if in_team else NOT_IN_TENANT
    return errors


def history_record(activity: Activity) -> tuple[str, int]:
    """Whose timeline tells of ``activity``: its task's, else its customer's."""
    if activity.task_id is not None:
        return "task", activity.task_id
    return "customer", activity.customer_id


def _payload(db: Any, activity: Activity) -> dict[str, Any]:
    kind = db.get(ActivityType, activity.type_id)
    assignee = db.get(User, activity.assignee_user_id) if activity.assignee_user_id else None
    person = (
        db.get(ContactPerson, activity.contact_person_id) if activity.contact_person_id else None
    )
    return {
        "activity_id": activity.id,
        "type": kind.name if kind else {},
        "subject": activity.subject,
        "assignee": assignee.display_name if assignee else "",
        "due_at": activity.due_at.isoformat() if activity.due_at else None,
        "outcome": activity.outcome,
        "contact_person": person.name if person else "",
        "done_at": activity.done_at.isoformat() if activity.done_at else None,
    }


def add_activity(db: Any, task: Task | None, values: dict[str, Any], user: User | None) -> Activity:
    """A new activity on ``task``, or on ``values["customer_id"]`` when there is no task.

    With ``done_at`` in ``values`` it is logged as already done: one event,
    "activity done", tells of it.
    """
    if task is not None:
        values = {**values, "task_id": task.id, "customer_id": None}
    activity = Activity(created_by_id=user.id if user else None, **values)
    db.add(activity)
    db.flush()
    kind = DONE if activity.done_at is not None else ADDED
    entity, record_id = history_record(activity)
    record_event(db, entity, record_id, kind, _payload(db, activity), user=user)
    return activity


def person_error(db: Any, customer_id: int | None, person_id: int | None) -> Any:
    """The message for a contact person who is not one of the customer's, or None."""
    if not person_id:
        return None
    person = db.get(ContactPerson, person_id)
    if person is None or customer_id is None or person.customer_id != customer_id:
        return NO_SUCH_PERSON
    return None


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
        entity, record_id = history_record(activity)
        record_event(db, entity, record_id, CHANGED, payload, user=user)
    return changed


def complete(
    db: Any, activity: Activity, outcome: str, user: User | None, at: datetime | None = None
) -> None:
    """Mark done now (or ``at``), with the outcome; the version column refuses a stale click."""
    activity.done_at = at or utcnow()
    activity.cancelled_at = None
    if outcome:
        activity.outcome = outcome
    db.flush()
    entity, record_id = history_record(activity)
    record_event(db, entity, record_id, DONE, _payload(db, activity), user=user)


def reopen(db: Any, activity: Activity, user: User | None) -> None:
    activity.done_at = None
    activity.cancelled_at = None
    db.flush()
    entity, record_id = history_record(activity)
    record_event(db, entity, record_id, REOPENED, _payload(db, activity), user=user)


#: What closing a task as won or lost does with its open activities.
CLOSE_UNDONE = "close"
MARK_DONE = "done"
KEEP_OPEN = "keep"
ON_CLOSE = (CLOSE_UNDONE, MARK_DONE, KEEP_OPEN)


def open_activities(db: Any, task_id: int) -> list[Activity]:
    return list(
        db.scalars(
            select(Activity)
            .where(Activity.task_id == task_id, *is_open())
            .order_by(Activity.due_at, Activity.id)
        )
    )


def settle_on_close(db: Any, task: Task, how: str, user: User | None) -> int:
    """Close, mark done or keep the open activities of ``task``, which was just won or lost.

    Closing (the default) sets ``cancelled_at``: the activity leaves my work
    and is not counted as done. Returns how many were settled.
    """
    if how == KEEP_OPEN:
        return 0
    found = open_activities(db, task.id)
    for activity in found:
        if how == MARK_DONE:
            complete(db, activity, "", user)
        else:
            close_undone(db, activity, user)
    return len(found)


def close_undone(db: Any, activity: Activity, user: User | None) -> None:
    """Close an open activity undone (``cancelled_at``), told on its task's or customer's
    timeline; the version column refuses a stale one."""
    activity.cancelled_at = utcnow()
    db.flush()
    entity, record_id = history_record(activity)
    record_event(db, entity, record_id, CLOSED, _payload(db, activity), user=user)


def is_open() -> tuple[Any, ...]:
    """SQL conditions of an open activity: neither done nor closed undone."""
    return (Activity.done_at.is_(None), Activity.cancelled_at.is_(None))


def of_customer(customer_id: int, task_ids: Any) -> Any:
    """The condition of the customer's activities: its own, and those of its tasks.

    An ``id IN`` of a union, each part a range of its own index (``ix_activity_customer``,
    ``ix_activity_task``): with ``customer_id = … OR task_id IN …`` PostgreSQL read every
    activity of the tenant (half a million at a million tasks) for a customer's next one.
    """
    own, of_tasks = aliased(Activity), aliased(Activity)
    return Activity.id.in_(
        union_all(
            select(own.id).where(own.customer_id == customer_id),
            select(of_tasks.id).where(of_tasks.task_id.in_(task_ids)),
        )
    )


def next_activity(db: Any, customer_id: int) -> Activity | None:
    """The customer's next open activity: the earliest due, else the newest undated one.

    One statement, with its type and task (the panel shows both): the customer's
    open activities are few, found through two indexes (``of_customer``), so
    sorting them all to take the first costs nothing.
    """
    tasks = select(Task.id).where(Task.customer_id == customer_id, Task.closed_at.is_(None))
    undated = Activity.due_at.is_(None)
    return db.scalar(
        select(Activity)
        .options(joinedload(Activity.type), joinedload(Activity.task))
        .where(of_customer(customer_id, tasks), *is_open())
        .order_by(undated, Activity.due_at, case((undated, -Activity.id)), Activity.id)
        .limit(1)
    )


def task_activities(db: Any, task: Task) -> list[Activity]:
    """The task's activities: open ones by due time first, then the done ones, newest first."""
    rows = list(
        db.scalars(
            select(Activity)
            .where(Activity.task_id == task.id)
            .order_by(Activity.due_at.is_(None), Activity.due_at, Activity.id)
        )
    )
    open_ones = [a for a in rows if a.is_open]
    closed = sorted(
        (a for a in rows if not a.is_open),
        key=lambda a: as_utc(a.done_at or a.cancelled_at),
        reverse=True,
    )
    return open_ones + closed
