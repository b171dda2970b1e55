"""The messenger's hooks: a template, and sending by writing history."""

from __future__ import annotations

from typing import Any

from core import MessageRefused, OutgoingMessage, hookimpl
from core.history import record_event
from plugins.contacts.models import ContactPerson, Customer

SENT = "messenger_sent"
TEMPLATE = "spring_offer"


@hookimpl
def myynti_message_templates(channel: str) -> list[tuple[str, Any]]:
    if channel != "email":
        return []
    return [(TEMPLATE, {"fi": "Kevättarjous", "en": "Spring offer"})]


@hookimpl
def myynti_send_message(db: Any, message: OutgoingMessage) -> int:
    model = ContactPerson if message.entity == "contact_person" else Customer
    record = db.get(model, message.record_id)
    if record is None:
        raise MessageRefused("Vastaanottajaa ei löydy")
    if message.marketing and not record.marketing_consent:
        raise MessageRefused("Ei suostumusta markkinointiin")
    if not record.email:
        raise MessageRefused("Ei sähköpostiosoitetta")
    event = record_event(db, message.entity, message.record_id, SENT, {"text": message.template})
    db.flush()
    return event.id
