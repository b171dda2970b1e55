"""Storing a received message once, and routing it to its record.

Routing tries, in this order, and takes the first that names a record of
this tenant that exists:

1. the signed token of our Reply-To in a recipient address (``+r.task-12-…``);
2. one of our Message-IDs in In-Reply-To or References;
3. a record tag in the subject (``[#task-12-…]``);
4. a known sender (a contact person's or customer's address) with exactly one
   open task;
5. the mailbox's setting: a new contact request (contacts' ``receive_email``),
   or the tenant's unrouted queue, where a user assigns it by hand.

A token is an HMAC over the tenant and the record (``tokens``), so a forged
one, or one from another tenant's mail, routes nowhere. Automatic mail
(auto-replies, bulk and list mail, bounces) never becomes a contact request:
it goes to its record when it names one, else to the unrouted queue; a
delivery status notification marks the failed addresses as bouncing.

A message is stored once: a unique key on the mailbox position (mailbox,
UIDVALIDITY, UID) and one on the Message-ID (a content hash when it has
none). A duplicate is found before inserting, and a race with another worker
ends in the unique constraint, inside a savepoint: nothing is doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.attachments import AttachmentError
from core.history import EXTERNAL, record_event
from core.models import Attachment, Tenant, utcnow
from plugins.contacts.models import ContactPerson, Customer
from plugins.contacts.requests.intake import receive_email
from plugins.messaging import tokens
from plugins.messaging.files import store_bytes
from plugins.messaging.models import Bounce, Channel, Direction, Mailbox, Message, State
from plugins.messaging.outbox import MESSAGE_IN
from plugins.messaging.records import entity_model, record_exists

log = logging.getLogger(__name__)

#: The placeholder record of an unrouted message's attachments until a user assigns it.
UNROUTED_ENTITY = "messaging_message"


@dataclass
class IncomingFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Incoming:
    """What routing and storing need of a received message (made from the parser's result)."""

    message_id: str
    sender: str
    sender_name: str = ""
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    #: Where the mail server says it delivered the message (``Delivered-To``, ``X-Original-To``).
    delivered_to: Sequence[str] = ()
    subject: str = ""
    date: datetime | None = None
    in_reply_to: str = ""
    references: str = ""
    text: str = ""
    display_text: str = ""
    html: str = ""
    files: Sequence[IncomingFile] = ()
    skipped: Sequence[Mapping[str, Any]] = ()
    #: Auto-reply, bulk or list mail, or a bounce: never a new lead.
    automatic: bool = False
    #: A delivery status notification's failed recipients.
    bounced: Sequence[str] = ()
    content_hash: str = ""
    #: The message as parsed by ``email`` (for contacts' ``receive_email``).
    email: EmailMessage | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.message_id.strip()[:998] or f"sha256:{self.content_hash}"


@dataclass(frozen=True)
class Route:
    entity: str | None
    record_id: int | None
    how: str


def find_route(
    db: Session, tenant: Tenant, settings: Mapping[str, Any], mail: Incoming
) -> Route | None:
    """The record ``mail`` belongs to by the first four rules, or None."""
    candidates: list[tuple[str, tokens.RecordRef | None]] = []
    for address in [*mail.delivered_to, *mail.to, *mail.cc]:
        candidates.append(("token", tokens.from_address(settings, tenant.id, address)))
    candidates.append(
        (
            "thread",
            tokens.from_message_ids(settings, tenant.id, f"{mail.in_reply_to} {mail.references}"),
        )
    )
    candidates.append(("subject", tokens.from_subject(settings, tenant.id, mail.subject)))
    for how, ref in candidates:
        if ref is not None and record_exists(db, tenant, ref.entity, ref.record_id):
            return Route(ref.entity, ref.record_id, how)
    task_id = _sender_task(db, tenant, mail.sender)
    if task_id is not None:
        return Route("task", task_id, "sender")
    return None


def _sender_task(db: Session, tenant: Tenant, sender: str) -> int | None:
    """The one open task of the sender's contact person or customer, if exactly one."""
    task_model = entity_model(db, tenant, "task")
    if task_model is None or not sender:
        return None
    key = sender.strip().lower()
    open_tasks = list(
        db.scalars(
            select(task_model.id)
            .where(
                or_(
                    task_model.contact_person_id.in_(
                        select(ContactPerson.id).where(ContactPerson.email_key == key)
                    ),
                    task_model.customer_id.in_(
                        select(Customer.id).where(Customer.email_key == key)
                    ),
                ),
                task_model.closed_at.is_(None),
            )
            .limit(2)
        )
    )
    return open_tasks[0] if len(open_tasks) == 1 else None


def already_stored(
    db: Session, mail: Incoming, mailbox: Mailbox | None, uidvalidity: int | None, uid: int | None
) -> bool:
    """Whether this mailbox position, or this Message-ID (content hash), is stored (one query)."""
    same = Message.message_key == mail.key
    if mailbox is not None and uid is not None:
        same = or_(
            same,
            and_(
                Message.mailbox_id == mailbox.id,
                Message.uidvalidity == uidvalidity,
                Message.uid == uid,
            ),
        )
    return db.scalar(select(Message.id).where(same).limit(1)) is not None


def store(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    mail: Incoming,
    mailbox: Mailbox | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
) -> Message | None:
    """Store and route ``mail``; None when it was stored before (by any worker)."""
    if already_stored(db, mail, mailbox, uidvalidity, uid):
        return None
    savepoint = db.begin_nested()
    try:
        message = _store(db, tenant, settings, mail, mailbox, uidvalidity, uid)
        db.flush()
    except IntegrityError:
        savepoint.rollback()
        log.info("message %s stored by another worker meanwhile", mail.key)
        return None
    savepoint.commit()
    return message


def _store(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    mail: Incoming,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    uid: int | None,
) -> Message:
    for address in mail.bounced:
        _mark_bouncing(db, address, mail.subject)
    route = find_route(db, tenant, settings, mail)
    if route is None:
        wants_request = mailbox is not None and mailbox.unrouted == "request"
        if wants_request and not mail.automatic and mail.email is not None:
            contact_request = receive_email(db, tenant, mail.email)
            route = Route("contact_request", contact_request.id, "request")
        else:
            route = Route(None, None, "")
    files: list[Attachment] = []
    skipped = [dict(s) for s in mail.skipped]
    if route.entity:
        files, skipped = _store_files(
            db, tenant, settings, mail, route.entity, route.record_id, skipped
        )
    message = Message(
        direction=Direction.IN,
        channel=Channel.EMAIL,
        state=State.RECEIVED if route.entity else State.UNROUTED,
        entity=route.entity,
        record_id=route.record_id,
        sender=mail.sender[:320],
        to=list(mail.to)[:50],
        cc=list(mail.cc)[:50],
        subject=" ".join(mail.subject.split())[:300],
        body_text=mail.text,
        display_text=mail.display_text or mail.text,
        body_html=mail.html,
        message_id=mail.message_id[:998],
        message_key=mail.key,
        in_reply_to=mail.in_reply_to[:998],
        skipped=skipped,
        attachment_ids=[a.id for a in files],
        automatic=mail.automatic,
        routed_by=route.how,
        mailbox_id=mailbox.id if mailbox is not None else None,
        uidvalidity=uidvalidity,
        uid=uid,
        sent_at=mail.date,
    )
    db.add(message)
    db.flush()
    if route.entity:
        _history(db, message, files)
    elif mail.files:
        # Unrouted: the files wait on the message itself until a user assigns it.
        files, skipped = _store_files(
            db, tenant, settings, mail, UNROUTED_ENTITY, message.id, skipped
        )
        message.attachment_ids = [a.id for a in files]
        message.skipped = skipped
    return message


def _store_files(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    mail: Incoming,
    entity: str,
    record_id: int,
    skipped: list[dict[str, Any]],
) -> tuple[list[Attachment], list[dict[str, Any]]]:
    """The mail's files as attachments of the record; those refused added to ``skipped``."""
    files = []
    for item in mail.files:
        try:
            files.append(
                store_bytes(
                    db,
                    settings,
                    tenant.id,
                    entity,
                    record_id,
                    item.filename,
                    item.data,
                    item.content_type,
                )
            )
        except AttachmentError as exc:
            skipped.append(
                {"filename": item.filename[:200], "size": len(item.data), "reason": str(exc)}
            )
    if files:
        db.flush()
    return files, skipped


def _history(db: Session, message: Message, files: Sequence[Attachment]) -> None:
    record_event(
        db,
        message.entity,
        message.record_id,
        MESSAGE_IN,
        {
            "message_id": message.id,
            "channel": message.channel,
            "direction": message.direction,
            "text": message.subject,
            "sender": message.sender,
            "attachments": [{"id": a.id, "filename": a.filename} for a in files],
            "skipped": list(message.skipped),
        },
        actor_type=EXTERNAL,
        actor_label=message.sender[:254],
    )


def _mark_bouncing(db: Session, address: str, reason: str) -> None:
    address = address.strip().lower()[:254]
    if not address:
        return
    row = db.scalar(select(Bounce).where(Bounce.address == address))
    if row is None:
        db.add(Bounce(address=address, reason=reason[:500]))
    else:
        row.reason = reason[:500]
        row.at = utcnow()


def assign(db: Session, tenant: Tenant, message: Message, entity: str, record_id: int) -> None:
    """Put an unrouted message on a record (a user's choice), with its attachments."""
    files = list(
        db.scalars(
            select(Attachment).where(
                Attachment.entity == UNROUTED_ENTITY, Attachment.record_id == message.id
            )
        )
    )
    for attachment in files:
        attachment.entity = entity
        attachment.record_id = record_id
    message.entity = entity
    message.record_id = record_id
    message.state = State.RECEIVED
    message.routed_by = "manual"
    db.flush()
    _history(db, message, files)
