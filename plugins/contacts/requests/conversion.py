"""What a contact request becomes: a customer made from it, or whatever other plugins offer.

Other plugins offer conversion targets through the ``myynti_request_conversions``
hook (``plugins/contacts/hookspecs.py``); the workflow plugin offers a task.
Converting links both ways: the request's ``converted_to`` names the new
record, and both records' histories name each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.contract import Label
from core.history import record_event
from core.i18n import in_every_language
from core.models import User
from plugins.contacts import _
from plugins.contacts.models import (
    ContactPerson,
    ContactRequest,
    Customer,
    CustomerKind,
    RequestState,
)
from plugins.contacts.register import create_customer
from plugins.contacts.requests import lifecycle

ALREADY_CONVERTED = _("This request has already been converted.")


class ConversionRefused(Exception):
    """A target cannot convert this request; ``message`` tells the user why (translatable)."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class ConversionTarget:
    """One thing a request can become, offered by a plugin.

    ``convert(db, contact_request, user)`` creates the record in the current
    transaction and returns ``(entity name, record id)``. A target with a
    ``form_route`` asks first: the request's page links to that route (called
    with the request's ``id``), whose form proposes the new record's values and
    converts with ``convert`` below when the user confirms.
    """

    key: str
    label: Label
    convert: Callable[[Session, ContactRequest, User | None], tuple[str, int]]
    form_route: str = ""


def conversion_targets(
    request: Any, contact_request: ContactRequest
) -> dict[str, ConversionTarget]:
    """The targets the tenant's enabled plugins offer for ``contact_request``, by key."""
    targets = request.plugins.collect(
        "myynti_request_conversions", request=request, contact_request=contact_request
    )
    return {target.key: target for target in targets}


def convert(
    db: Session, contact_request: ContactRequest, target: ConversionTarget, user: User | None
) -> tuple[str, int]:
    """Convert with ``target``: the new record, the links both ways, the state *converted*."""
    if contact_request.state == RequestState.CONVERTED:
        raise ConversionRefused(ALREADY_CONVERTED)
    entity, record_id = target.convert(db, contact_request, user)
    contact_request.converted_to = {"entity": entity, "id": record_id, "key": target.key}
    record_event(
        db,
        lifecycle.ENTITY,
        contact_request.id,
        lifecycle.CONVERTED,
        {"entity": entity, "id": record_id, "label": in_every_language(target.label)},
        user=user,
    )
    record_event(
        db,
        entity,
        record_id,
        lifecycle.CONVERTED,
        {
            "entity": lifecycle.ENTITY,
            "id": contact_request.id,
            "text": contact_request.subject or contact_request.name,
        },
        user=user,
    )
    lifecycle.set_state(db, contact_request, RequestState.CONVERTED, user)
    return entity, record_id


def create_customer_from_request(
    db: Session, contact_request: ContactRequest, user: User | None
) -> Customer:
    """Make the customer the request comes from, in one step, and attach the request to it.

    With a company named, the company is the customer and the sender its
    contact person; without, the sender is a private-person customer.
    """
    is_company = bool(contact_request.company)
    values = {
        "kind": CustomerKind.COMPANY if is_company else CustomerKind.PERSON,
        "name": contact_request.company if is_company else contact_request.name,
        "business_id": contact_request.business_id if is_company else None,
        "email": None if is_company else contact_request.email,
        "phone": None if is_company else contact_request.phone,
        "language": contact_request.language or "fi",
        "team_id": contact_request.team_id,
        "responsible_user_id": contact_request.assigned_user_id,
    }
    customer = create_customer(db, values, [], user)
    if is_company and contact_request.name:
        db.add(
            ContactPerson(
                customer_id=customer.id,
                name=contact_request.name,
                email=contact_request.email,
                phone=contact_request.phone,
                language=contact_request.language or "fi",
            )
        )
    lifecycle.link_customer(db, contact_request, customer, "created", by=user)
    db.flush()
    return customer
