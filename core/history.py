"""The shared record history: plugins append events, pages show a timeline.

``record_event`` is the one way to write history. Events are never updated or
deleted by the application; a record's timeline is read newest first in pages
through a keyset cursor, so a record with 10,000 events opens as fast as one
with ten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.models import Event, User

PAGE_SIZE = 25

#: Core's own kinds; plugins declare theirs with ``myynti_event_kinds``.
CREATED = "created"
CHANGED = "changed"
COMMENT = "comment"
ATTACHMENT_ADDED = "attachment_added"
ATTACHMENT_DELETED = "attachment_deleted"

#: Actor types.
USER = "user"
SYSTEM = "system"
EXTERNAL = "external"


def record_event(
    db: Session,
    entity: str,
    record_id: int,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    user: User | None = None,
    actor_type: str | None = None,
    actor_label: str = "",
    at: datetime | None = None,
) -> Event:
    """Append an event to a record's history in the current transaction.

    The actor is ``user`` when given, else the system, or an external sender
    (``actor_type=EXTERNAL`` with ``actor_label`` the address).
    """
    event = Event(
        entity=entity,
        record_id=record_id,
        kind=kind,
        payload=dict(payload or {}),
        actor_type=actor_type or (USER if user is not None else SYSTEM),
        actor_user_id=user.id if user is not None else None,
        actor_label=actor_label or (user.display_name if user is not None else ""),
    )
    if at is not None:
        event.at = at
    db.add(event)
    return event


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs: a "changed" payload."""
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)
    }


@dataclass(frozen=True)
class TimelinePage:
    events: list[Event]
    #: Cursor of the next (older) page, or None on the last page.
    next_cursor: str | None


def timeline(
    db: Session,
    entity: str,
    record_id: int | None,
    kinds: Iterable[str],
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
    related: Iterable[tuple[str, Any]] = (),
) -> TimelinePage:
    """One page of a record's events of ``kinds``, newest first, older than ``cursor``.

    ``related`` adds the events of other records, as ``(entity, ids)`` pairs where
    ``ids`` is a select of record ids (a customer's tasks); ``record_id`` None
    leaves out the record's own events.
    """
    sources = [and_(Event.entity == e, Event.record_id.in_(ids)) for e, ids in related]
    if record_id is not None:
        sources.insert(0, and_(Event.entity == entity, Event.record_id == record_id))
    if not sources:
        return TimelinePage([], None)
    query = (
        select(Event)
        .where(or_(*sources), Event.kind.in_(list(kinds)))
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(page_size + 1)
    )
    after = parse_cursor(cursor)
    if after is not None:
        at, event_id = after
        query = query.where(or_(Event.at < at, and_(Event.at == at, Event.id < event_id)))
    events = list(db.scalars(query))
    more = len(events) > page_size
    events = events[:page_size]
    return TimelinePage(events, make_cursor(events[-1]) if more else None)


def make_cursor(event: Event) -> str:
    return f"{event.at.isoformat()}_{event.id}"


def parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names; a malformed one means the first page."""
    if not cursor:
        return None
    at, _sep, event_id = cursor.rpartition("_")
    try:
        return datetime.fromisoformat(at), int(event_id)
    except ValueError:
        return None
