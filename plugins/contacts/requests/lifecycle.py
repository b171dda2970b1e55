"""Changing a contact request after it has arrived: assignment, state, customer.

Each change writes its history event here, so the timeline is complete however
the change was made (routing at intake, a user's click, a conversion).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.history import record_event
from core.models import Team, User
from plugins.contacts.models import ContactRequest, Customer, RequestState, RoutingRule

ENTITY = "contact_request"
RECEIVED = "request_received"
ROUTED = "request_routed"
STATE_CHANGED = "request_state_changed"
CUSTOMER_LINKED = "request_customer_linked"
CONVERTED = "request_converted"

#: States a user may move a request to by hand; *converted* comes from converting.
MANUAL_STATES = (
    RequestState.NEW,
    RequestState.IN_PROGRESS,
    RequestState.REJECTED,
    RequestState.SPAM,
)


def assign(
    db: Session,
    contact_request: ContactRequest,
    team: Team | None,
    user: User | None,
    by: User | None = None,
    rule: RoutingRule | None = None,
) -> None:
    """Give the request to ``team`` and ``user`` (both None: the default inbox).

    A new request with a person becomes *assigned*; taking the person away from an
    *assigned* one makes it *new* again. Later states are left as they are.
    """
    contact_request.team_id = team.id if team else None
    contact_request.assigned_user_id = user.id if user else None
    record_event(
        db,
        ENTITY,
        contact_request.id,
        ROUTED,
        {
            "team": team.name if team else None,
            "user": user.display_name if user else None,
            "rule": rule.name if rule else None,
            "manual": by is not None,
        },
        user=by,
    )
    if user is not None and contact_request.state == RequestState.NEW:
        set_state(db, contact_request, RequestState.ASSIGNED, by)
    elif user is None and contact_request.state == RequestState.ASSIGNED:
        set_state(db, contact_request, RequestState.NEW, by)


def set_state(
    db: Session,
    contact_request: ContactRequest,
    state: str,
    by: User | None = None,
    reason: str | None = None,
) -> None:
    """Move the request to ``state`` and record it; reopening an assigned one gives *assigned*."""
    if state == RequestState.NEW and contact_request.assigned_user_id is not None:
        state = RequestState.ASSIGNED
    old = contact_request.state
    if state == old:
        return
    contact_request.state = state
    contact_request.rejected_reason = reason if state == RequestState.REJECTED else None
    payload = {"from": old, "to": state}
    if reason and state == RequestState.REJECTED:
        payload["reason"] = reason
    record_event(db, ENTITY, contact_request.id, STATE_CHANGED, payload, user=by)


def link_customer(
    db: Session, contact_request: ContactRequest, customer: Customer, how: str, by: User | None
) -> None:
    """Attach the request to ``customer``, in the history of both.

    ``how`` says why: ``business_id``, ``email`` or ``domain`` (matched at
    intake), ``chosen`` (a user picked it) or ``created`` (made from the request).
    """
    contact_request.customer_id = customer.id
    record_event(
        db,
        ENTITY,
        contact_request.id,
        CUSTOMER_LINKED,
        {"customer_id": customer.id, "text": customer.name, "how": how},
        user=by,
    )
    record_event(
        db,
        "customer",
        customer.id,
        CUSTOMER_LINKED,
        {
            "request_id": contact_request.id,
            "text": contact_request.subject or contact_request.name,
            "how": how,
        },
        user=by,
    )
