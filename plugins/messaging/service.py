"""``myynti_send_message`` and ``myynti_message_templates``: sending for other plugins.

A campaign, a quote or a report hands an ``OutgoingMessage``; it becomes a
``Draft`` (rendered from its template for the record when it names one) and
is queued like a message a user wrote.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import OutgoingMessage
from core.models import Tenant, User
from plugins.messaging import _, templates, tokens
from plugins.messaging.models import Channel, Template
from plugins.messaging.outbox import Draft, queue_message, refused
from plugins.messaging.records import find_party
from plugins.messaging.rendering import RenderError


def template_choices(db: Session, tenant: Tenant, channel: str) -> list[tuple[str, Any]]:
    """``(key, name)`` of the tenant's templates of ``channel``, one per key."""
    names: dict[str, str] = {}
    for row in db.scalars(
        select(Template).where(Template.channel == channel).order_by(Template.key, Template.id)
    ):
        names.setdefault(row.key, row.name)
    return sorted(names.items(), key=lambda item: item[1].lower())


def send_message(db: Session, tenant: Tenant, message: OutgoingMessage) -> int:
    """Queue ``message``; its row id. ``MessageRefused`` when it cannot go."""
    if message.channel not in (Channel.EMAIL, Channel.SMS):
        raise refused(_("Unknown channel."))
    settings = tokens.settings_of(db)
    party = find_party(db, tenant, message.entity, message.record_id)
    if party is None:
        raise refused(_("The record of the message was not found."))
    sender = db.get(User, message.sender_id) if message.sender_id else None
    subject, body = message.subject, message.body
    if message.template:
        try:
            rendered = templates.render_for(
                db, tenant, message.template, message.channel, party, sender
            )
        except templates.UnknownTemplate:
            raise refused(_("The message template was not found.")) from None
        except RenderError as exc:
            raise refused(str(exc)) from None
        subject, body = rendered.subject, rendered.body
    if not (subject or body):
        raise refused(_("The message has no text."))
    draft = Draft(
        entity=message.entity,
        record_id=message.record_id,
        channel=message.channel,
        to=tuple(message.to),
        subject=subject,
        body=body,
        files=tuple(message.files),
        template_key=message.template,
        automatic=message.automatic,
        marketing=message.marketing,
    )
    return queue_message(db, tenant, settings, draft, sender, party).id
