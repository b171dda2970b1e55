"""Storing received messages once, on the record routing finds for them.

Routing (``routing``) finds the record by the tokens in the message, or the
sender's one open task. What it does not route goes by the mailbox's setting:
a new contact request (contacts' ``receive_email``), or the tenant's unrouted
queue, where a user assigns it by hand. Automatic mail (auto-replies, bulk
and list mail, bounces) never becomes a contact request: it goes to its
record when it names one, else to the unrouted queue; a delivery status
notification marks the failed addresses as bouncing.

A message is stored once: a unique key on the mailbox position (mailbox,
UIDVALIDITY, UID) and one on the Message-ID (a content hash when it has
none). Mail comes a fetched chunk at a time (``store_many``): the chunk's
duplicates are found with one query before any message is read in full, the
rest is routed together and inserted with one statement per table. A race
with another worker ends in a unique constraint inside the chunk's savepoint;
then the chunk is stored again one message at a time, each in its own
savepoint, so the other worker's messages are skipped and nothing is doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.attachments import AttachmentError
from core.history import EXTERNAL, record_event
from core.models import Attachment, Tenant, utcnow
from plugins.contacts.requests.intake import receive_email
from plugins.messaging.files import store_bytes
from plugins.messaging.models import Bounce, Channel, Direction, Mailbox, Message, State
from plugins.messaging.outbox import MESSAGE_IN
from plugins.messaging.routing import Route, find_routes

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
    #: The sanitised HTML with its remote images; empty when it has none.
    html_with_images: str = ""
    files: Sequence[IncomingFile] = ()
    skipped: Sequence[Mapping[str, Any]] = ()
    #: Auto-reply, bulk or list mail, or a bounce: never a new lead.
    automatic: bool = False
    #: A delivery status notification's failed recipients.
    bounced: Sequence[str] = ()
    content_hash: str = ""
    #: The message parsed with ``policy.default`` (for contacts' ``receive_email``).
    email: EmailMessage | None = None
    #: The bytes as received, to parse ``email`` from when it is wanted.
    raw: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.message_id.strip()[:998] or f"sha256:{self.content_hash}"

    def as_email(self) -> EmailMessage | None:
        """The message parsed with ``policy.default``, when there are bytes to parse."""
        if self.email is None and self.raw:
            parsed = message_from_bytes(self.raw, policy=policy.default)
            self.email = parsed if isinstance(parsed, EmailMessage) else None
        return self.email


@dataclass
class Pending:
    """A received message before it is stored: its dedupe key, its UID, and how to read it.

    ``read`` parses the bytes only for a message that is not stored yet.
    """

    key: str
    uid: int | None
    read: Callable[[], Incoming]

    @classmethod
    def of(cls, mail: Incoming, uid: int | None = None) -> Pending:
        return cls(mail.key, uid, lambda: mail)


def _not_stored(
    db: Session, pending: Sequence[Pending], mailbox: Mailbox | None, uidvalidity: int | None
) -> list[Pending]:
    """Those of ``pending`` whose key and mailbox position are not stored (one query).

    Of two with the same key in ``pending``, the first.
    """
    keys = sorted({p.key for p in pending})
    uids = sorted({p.uid for p in pending if p.uid is not None})
    same = Message.message_key.in_(keys)
    if mailbox is not None and uids:
        same = or_(
            same,
            and_(
                Message.mailbox_id == mailbox.id,
                Message.uidvalidity == uidvalidity,
                Message.uid.in_(uids),
            ),
        )
    stored_keys: set[str | None] = set()
    stored_uids: set[int | None] = set()
    for row in db.execute(
        select(Message.message_key, Message.mailbox_id, Message.uidvalidity, Message.uid).where(
            same
        )
    ):
        stored_keys.add(row.message_key)
        if mailbox is not None and (row.mailbox_id, row.uidvalidity) == (mailbox.id, uidvalidity):
            stored_uids.add(row.uid)
    fresh = []
    for item in pending:
        if item.key in stored_keys or (mailbox is not None and item.uid in stored_uids):
            continue
        stored_keys.add(item.key)
        fresh.append(item)
    return fresh


def store_many(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    pending: Sequence[Pending],
    mailbox: Mailbox | None = None,
    uidvalidity: int | None = None,
) -> list[Message]:
    """Store and route those of ``pending`` not stored before (by any worker); the new rows."""
    fresh = _not_stored(db, pending, mailbox, uidvalidity)
    if not fresh:
        return []
    mails = [(item.read(), item.uid) for item in fresh]
    savepoint = db.begin_nested()
    try:
        messages = _store(db, tenant, settings, mails, mailbox, uidvalidity)
        db.flush()
    except IntegrityError:
        savepoint.rollback()
        if len(fresh) == 1:
            log.info("message %s stored by another worker meanwhile", fresh[0].key)
            return []
        log.info("a message of the chunk was stored by another worker: one at a time")
        return [
            message
            for mail, uid in mails
            for message in store_many(
                db, tenant, settings, [Pending.of(mail, uid)], mailbox, uidvalidity
            )
        ]
    savepoint.commit()
    return messages


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
    stored = store_many(db, tenant, settings, [Pending.of(mail, uid)], mailbox, uidvalidity)
    return stored[0] if stored else None


@dataclass
class _Row:
    """One message on its way into the table: where it goes and what it carries."""

    mail: Incoming
    uid: int | None
    route: Route
    files: list[Attachment] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def _store(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    mails: Sequence[tuple[Incoming, int | None]],
    mailbox: Mailbox | None,
    uidvalidity: int | None,
) -> list[Message]:
    for mail, _uid in mails:
        for address in mail.bounced:
            _mark_bouncing(db, address, mail.subject)
    routes = find_routes(db, tenant, settings, [mail for mail, _uid in mails])
    wants_request = mailbox is not None and mailbox.unrouted == "request"
    rows = []
    for (mail, uid), route in zip(mails, routes, strict=True):
        if route is None:
            email = mail.as_email() if wants_request and not mail.automatic else None
            if email is not None:
                contact_request = receive_email(db, tenant, email)
                route = Route("contact_request", contact_request.id, "request")
            else:
                route = Route(None, None, "")
        row = _Row(mail, uid, route, skipped=[dict(s) for s in mail.skipped])
        if route.entity and route.record_id is not None:
            row.files = _store_files(
                db, tenant, settings, mail, route.entity, route.record_id, row.skipped
            )
        rows.append(row)
    if any(row.files for row in rows):
        db.flush()
    messages = [_message(row, mailbox, uidvalidity) for row in rows]
    db.add_all(messages)
    db.flush()
    for row, message in zip(rows, messages, strict=True):
        if row.route.entity:
            _history(db, message, row.files)
        elif row.mail.files:
            # Unrouted: the files wait on the message itself until a user assigns it.
            row.files = _store_files(
                db, tenant, settings, row.mail, UNROUTED_ENTITY, message.id, row.skipped
            )
    db.flush()
    for row, message in zip(rows, messages, strict=True):
        if not row.route.entity and row.mail.files:
            message.attachment_ids = [a.id for a in row.files]
            message.skipped = row.skipped
    return messages


def _message(row: _Row, mailbox: Mailbox | None, uidvalidity: int | None) -> Message:
    mail, route = row.mail, row.route
    return Message(
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
        body_html_images=mail.html_with_images,
        message_id=mail.message_id[:998],
        message_key=mail.key,
        in_reply_to=mail.in_reply_to[:998],
        skipped=list(row.skipped),
        attachment_ids=[a.id for a in row.files],
        automatic=mail.automatic,
        routed_by=route.how,
        mailbox_id=mailbox.id if mailbox is not None else None,
        uidvalidity=uidvalidity,
        uid=row.uid,
        sent_at=mail.date,
    )


def _store_files(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    mail: Incoming,
    entity: str,
    record_id: int,
    skipped: list[dict[str, Any]],
) -> list[Attachment]:
    """The mail's files as attachments of the record (not flushed); those refused to ``skipped``."""
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
    return files


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
