"""The records messages belong to: finding one, its address, its language, its consent.

Customers, contact persons and contact requests are contacts' models.
Workflow's tasks are reached without importing workflow: through the entity
declarations of the tenant's enabled plugins, and read duck-typed
(``customer_id``, ``contact_person_id``, ``responsible_user_id``,
``closed_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.outbox import tenant_hooks
from core.models import Membership, Tenant, User
from plugins.contacts.models import ContactPerson, ContactRequest, Customer

#: The entities a message can be written on.
ENTITIES = ("customer", "contact_person", "task", "contact_request")


@dataclass
class Party:
    """Who a message on a record goes to, and what the templates may say about the record."""

    record: Any
    customer: Customer | None = None
    person: ContactPerson | None = None
    task: Any = None
    request: ContactRequest | None = None
    #: A user of the tenant (entity ``"user"``): a report or notice sent to a colleague.
    user: User | None = None

    @property
    def email(self) -> str:
        for holder in (self.request, self.person, self.customer, self.user):
            if holder is not None and holder.email:
                return holder.email
        return ""

    @property
    def phone(self) -> str:
        for holder in (self.request, self.person, self.customer):
            if holder is not None and holder.phone:
                return holder.phone
        return ""

    @property
    def name(self) -> str:
        for holder in (self.request, self.person, self.customer, self.user):
            if holder is not None and holder.name:
                return holder.name
        return ""

    @property
    def language(self) -> str:
        for holder in (self.request, self.person, self.customer):
            if holder is not None and getattr(holder, "language", None):
                return holder.language
        return "fi"

    @property
    def consents(self) -> bool:
        """Whether the person the message goes to has agreed to marketing."""
        holder = self.person or self.customer
        return bool(holder is not None and holder.marketing_consent)


#: ``session.info`` key: the tenant's entity models, looked up once per transaction.
_MODELS_KEY = "messaging.entity_models"


def entity_model(db: Session, tenant: Tenant, entity: str) -> type | None:
    """The model of ``entity`` among the tenant's enabled plugins' declarations."""
    if entity not in ENTITIES:
        return None
    cached = db.info.get(_MODELS_KEY)
    if cached is None or cached[0] != tenant.id:
        cached = (tenant.id, declared_models(tenant_hooks(db, tenant)))
        db.info[_MODELS_KEY] = cached
    return cached[1].get(entity)


def declared_models(hooks: Any) -> dict[str, type]:
    """The models of the entities messages may belong to, as ``hooks``' plugins declare them.

    A page passes ``request.plugins`` (the enabled plugins, kept per process); a
    job, ``tenant_hooks``.
    """
    return {d.name: d.model for d in hooks.collect("myynti_entities") if d.name in ENTITIES}


def record_exists(db: Session, tenant: Tenant, entity: str, record_id: int) -> bool:
    """Whether this tenant has record ``record_id`` of ``entity`` (one light query)."""
    model = entity_model(db, tenant, entity)
    return (
        model is not None and db.scalar(select(model.id).where(model.id == record_id)) is not None
    )


def find_party(db: Session, tenant: Tenant, entity: str, record_id: int) -> Party | None:
    """The record (of this tenant: the session filters) and the people around it.

    Entity ``"user"`` is a user who is an active member of ``tenant``; a user
    of another tenant is not found.
    """
    if entity == "user":
        return _member_party(db, tenant, record_id)
    model = entity_model(db, tenant, entity)
    if model is None:
        return None
    record = db.scalar(select(model).where(model.id == record_id))
    if record is None:
        return None
    party = Party(record)
    if entity == "customer":
        party.customer = record
    elif entity == "contact_person":
        party.person = record
        party.customer = db.get(Customer, record.customer_id)
    elif entity == "contact_request":
        party.request = record
        if record.customer_id:
            party.customer = db.get(Customer, record.customer_id)
    elif entity == "task":
        party.task = record
        if record.contact_person_id:
            party.person = db.get(ContactPerson, record.contact_person_id)
        if record.customer_id:
            party.customer = db.get(Customer, record.customer_id)
    return party


def is_open_task(task: Any) -> bool:
    return getattr(task, "closed_at", None) is None


def _member_party(db: Session, tenant: Tenant, user_id: int) -> Party | None:
    member = db.scalar(
        select(Membership.id).where(
            Membership.tenant_id == tenant.id, Membership.user_id == user_id, Membership.active
        )
    )
    user = db.get(User, user_id) if member is not None else None
    if user is None:
        return None
    return Party(user, user=user)
