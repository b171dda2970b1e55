"""The messenger's hooks: a template, and sending by writing history."""

from __future__ import annotations

from typing import Any

from core import MessageRefused, OutgoingMessage, hookimpl
from core.history import record_event
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import Task

SENT = "messenger_sent"
TEMPLATE = "spring_offer"


@hookimpl
def myynti_message_templates(channel: str) -> list[tuple[str, Any]]:
    if channel != "email":
        return []
    return [(TEMPLATE, {"fi": "Kevättarjous", "en": "Spring offer"})]


def recipient(db: Any, message: OutgoingMessage) -> Any:
    """The contact person or customer of the message's record (a task's, as messaging does)."""
    if message.entity == "task":
        task = db.get(Task, message.record_id)
        if task is None:
            return None
        if task.contact_person_id is not None:
            return db.get(ContactPerson, task.contact_person_id)
        return db.get(Customer, task.customer_id)
    model = ContactPerson if message.entity == "contact_person" else Customer
    return db.get(model, message.record_id)


@hookimpl
def myynti_send_message(db: Any, message: OutgoingMessage) -> int:
    record = recipient(db, message)
    if record is None:
        raise MessageRefused("Vastaanottajaa ei löydy")
    if message.marketing and not record.marketing_consent:
        raise MessageRefused("Ei suostumusta markkinointiin")
    if not record.email:
        raise MessageRefused("Ei sähköpostiosoitetta")
    event = record_event(db, message.entity, message.record_id, SENT, {"text": message.template})
    db.flush()
    return event.id
