"""A record's messages in and out, oldest first, as one thread.

A customer's thread holds the messages on the customer, on its contact
persons and on its tasks (found through workflow's declared entity, when the
tenant has it): the whole conversation with the company in one place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.models import Attachment, Tenant
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging.models import Message
from plugins.messaging.records import entity_model

LIMIT = 200


def record_keys(db: Session, tenant: Tenant, entity: str, record: Any) -> list[tuple[str, int]]:
    """The (entity, id) pairs whose messages belong to ``record``'s thread."""
    keys = [(entity, record.id)]
    if entity == "customer" and isinstance(record, Customer):
        keys += [
            ("contact_person", pid)
            for pid in db.scalars(
                select(ContactPerson.id).where(ContactPerson.customer_id == record.id)
            )
        ]
        task_model = entity_model(db, tenant, "task")
        if task_model is not None:
            keys += [
                ("task", tid)
                for tid in db.scalars(
                    select(task_model.id).where(task_model.customer_id == record.id)
                )
            ]
    return keys


def thread(db: Session, keys: list[tuple[str, int]]) -> list[Message]:
    by_entity: dict[str, list[int]] = {}
    for entity, record_id in keys:
        by_entity.setdefault(entity, []).append(record_id)
    condition = or_(
        *(
            and_(Message.entity == entity, Message.record_id.in_(ids))
            for entity, ids in by_entity.items()
        )
    )
    rows = db.scalars(
        select(Message)
        .where(condition)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(LIMIT)
    )
    return list(reversed(list(rows)))


def attachments_of(db: Session, messages: list[Message]) -> dict[int, Attachment]:
    ids = {aid for m in messages for aid in (m.attachment_ids or [])}
    if not ids:
        return {}
    return {a.id: a for a in db.scalars(select(Attachment).where(Attachment.id.in_(ids)))}
