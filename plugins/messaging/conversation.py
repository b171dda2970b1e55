"""A record's messages in and out, oldest first, as one thread.

A customer's thread holds the messages on the customer, on its contact
persons and on its tasks (found through workflow's declared entity, when the
tenant has it): the whole conversation with the company in one place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.models import Attachment
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging.models import Message

LIMIT = 200


def thread(db: Session, entity: str, record: Any, task_model: type | None) -> list[Message]:
    """The latest ``LIMIT`` messages of ``record``'s thread, oldest first, in one statement.

    A customer's holds those on its contact persons and, where the tenant has
    workflow (``task_model``), on its tasks, found by subqueries rather than by
    reading their ids first.
    """
    condition = and_(Message.entity == entity, Message.record_id == record.id)
    if entity == "customer" and isinstance(record, Customer):
        parts = [
            condition,
            and_(
                Message.entity == "contact_person",
                Message.record_id.in_(
                    select(ContactPerson.id).where(ContactPerson.customer_id == record.id)
                ),
            ),
        ]
        if task_model is not None:
            parts.append(
                and_(
                    Message.entity == "task",
                    Message.record_id.in_(
                        select(task_model.id).where(task_model.customer_id == record.id)
                    ),
                )
            )
        condition = or_(*parts)
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
