"""Queueing a message on a record, and the job that sends it.

``queue_message`` checks everything that can be checked before sending
(the record, the addresses, header injection, consent, a configured server),
then writes the message row (state *queued*, with its Message-ID already
recorded), its files as attachments of the record, the history event and the
send job, all in the caller's transaction: a refusal writes nothing.

``send`` is the job. It locks the message row and does nothing unless the
message is still queued, so a job run twice (a retry after a crash, a
duplicate delivery of the broker) never sends a sent message again.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import MessageFile, MessageRefused
from core.credentials import decrypt
from core.history import record_event
from core.i18n import LOCALES, translate
from core.jobs import enqueue
from core.jobs.outbox import queue_of, send_after_commit
from core.models import Attachment, Job, JobState, Tenant, User, as_utc, utcnow
from plugins.messaging import _, delivery, handover, tokens
from plugins.messaging.files import read_bytes, store_bytes
from plugins.messaging.models import Channel, Direction, MailSettings, Message, State
from plugins.messaging.records import Party, find_party
from plugins.messaging.sms import InvalidNumber, normalise, send_sms

log = logging.getLogger(__name__)

SEND_JOB = "messaging.send"
#: History event kinds.
MESSAGE_OUT = "message_out"
MESSAGE_IN = "message_in"
MESSAGE_FAILED = "message_failed"

MAX_RECIPIENTS = 50


def refused(message: Any) -> MessageRefused:
    """A ``MessageRefused`` whose text is ``message`` interpolated, the TranslationString kept."""
    text = message.interpolate() if hasattr(message, "interpolate") else str(message)
    exc = MessageRefused(text)
    exc.message = message  # type: ignore[attr-defined]
    return exc


@dataclass
class Draft:
    """What a user or a plugin asks to send."""

    entity: str
    record_id: int
    channel: str = Channel.EMAIL
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    subject: str = ""
    body: str = ""
    html: str = ""
    files: Sequence[MessageFile] = ()
    #: Attachments already on the record to send along.
    attachment_ids: Sequence[int] = ()
    template_key: str = ""
    automatic: bool = False
    marketing: bool = False
    group_id: int | None = None
    send_after: datetime | None = None
    in_reply_to: str = ""
    #: The service's address for the unsubscribe link (a request's); else ``myynti.public_url``.
    link_base: str = ""


def mail_settings(db: Session) -> MailSettings | None:
    return db.scalar(select(MailSettings))


def check(
    db: Session,
    tenant: Tenant,
    draft: Draft,
    party: Party | None = None,
    server: MailSettings | None = None,
) -> tuple[Party, list[str], list[str]]:
    """The party and the (normalised) to and cc of ``draft``; ``MessageRefused`` when it cannot go.

    Writes nothing: a view calls it before storing uploaded files.
    """
    party = party or find_party(db, tenant, draft.entity, draft.record_id)
    if party is None:
        raise refused(_("The record of the message was not found."))
    if draft.marketing and not party.consents:
        raise refused(_("${name} has not agreed to marketing.", mapping={"name": party.name}))
    if draft.channel == Channel.SMS:
        numbers = [n for n in draft.to if n.strip()] or ([party.phone] if party.phone else [])
        if not numbers:
            raise refused(_("The recipient has no phone number."))
        if len(numbers) > 1:
            raise refused(_("An SMS goes to one number."))
        try:
            to = [normalise(numbers[0])]
        except InvalidNumber:
            raise refused(
                _("${number} is not a phone number.", mapping={"number": numbers[0]})
            ) from None
        cc: list[str] = []
    else:
        to = _addresses(draft.to) or ([party.email] if party.email else [])
        if not to:
            raise refused(_("The recipient has no e-mail address."))
        to = _addresses(to)
        cc = _addresses(draft.cc)
    if any(ch in draft.subject for ch in "\r\n"):
        raise refused(_("The subject must be one line."))
    server = server or mail_settings(db)
    if draft.channel == Channel.EMAIL and (server is None or not server.smtp_host):
        raise refused(_("Outgoing e-mail is not set up: an admin enters the mail server first."))
    return party, to, cc


def queue_message(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    draft: Draft,
    user: User | None = None,
    party: Party | None = None,
    server: MailSettings | None = None,
) -> Message:
    """Check and queue ``draft``; ``MessageRefused`` (writing nothing) when it cannot go.

    ``party`` and ``server`` save their queries when the caller has them (a group send).
    """
    server = server or mail_settings(db)
    party, to, cc = check(db, tenant, draft, party, server)
    message = Message(
        direction=Direction.OUT,
        channel=draft.channel,
        state=State.QUEUED,
        entity=draft.entity,
        record_id=draft.record_id,
        sender=_sender(server, user),
        to=to,
        cc=cc,
        subject=draft.subject[:300],
        body_text=draft.body,
        body_html=draft.html,
        in_reply_to=draft.in_reply_to,
        automatic=draft.automatic,
        marketing=draft.marketing,
        template_key=draft.template_key,
        group_id=draft.group_id,
        user_id=user.id if user is not None else None,
        send_after=draft.send_after,
    )
    if draft.marketing:
        _add_unsubscribe(settings, tenant, draft, party, message)
    ref = tokens.RecordRef(draft.entity, draft.record_id)
    message.message_id = tokens.message_id(settings, tenant.id, ref)
    db.add(message)
    db.flush()
    attachments = [
        store_bytes(
            db,
            settings,
            tenant.id,
            draft.entity,
            draft.record_id,
            f.filename,
            f.data,
            f.content_type,
            user,
        )
        for f in draft.files
    ]
    if draft.attachment_ids:
        # Only the record's own files: an id of another record's file is ignored.
        attachments += list(
            db.scalars(
                select(Attachment).where(
                    Attachment.id.in_(list(draft.attachment_ids)),
                    Attachment.entity == draft.entity,
                    Attachment.record_id == draft.record_id,
                )
            )
        )
    db.flush()
    message.attachment_ids = [a.id for a in attachments]
    record_event(
        db,
        draft.entity,
        draft.record_id,
        MESSAGE_OUT,
        event_payload(message, attachments),
        user=user,
    )
    enqueue_send(db, tenant, message.id, draft.send_after)
    return message


#: The footer of marketing mail, in the recipient's language.
UNSUBSCRIBE_TEXT = _("No longer want our marketing mail? Unsubscribe:")


def _add_unsubscribe(
    settings: Mapping[str, Any], tenant: Tenant, draft: Draft, party: Party, message: Message
) -> None:
    holder = party.person or party.customer
    entity = "contact_person" if party.person is not None else "customer"
    token = tokens.unsubscribe_token(settings, tenant.id, tokens.RecordRef(entity, holder.id))
    base = (draft.link_base or tokens.public_url(settings)).rstrip("/")
    url = f"{base}/u/{token}"
    text = translate(UNSUBSCRIBE_TEXT, party.language if party.language in LOCALES else "fi")
    message.unsubscribe_url = url
    message.body_text = f"{message.body_text}\n\n-- \n{text} {url}\n"
    if message.body_html:
        message.body_html += (
            f'<hr><p style="font-size:small">{html.escape(text)} '
            f'<a href="{html.escape(url)}">{html.escape(url)}</a></p>'
        )


def enqueue_send(db: Session, tenant: Tenant, message_id: int, when: datetime | None) -> None:
    """Start the send job of a message, due at ``when`` (now when None)."""
    job_id = enqueue(db, tenant, SEND_JOB, {"message_id": message_id})
    if when is None:
        return
    # Due at the chosen time: the worker claims only due rows.
    job = db.get(Job, job_id)
    if job is not None:
        job.run_after = when
    send_after_commit(db, job_id, max(0.0, (as_utc(when) - utcnow()).total_seconds()))


def event_payload(message: Message, attachments: Sequence[Attachment]) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "channel": message.channel,
        "direction": message.direction,
        "text": message.subject or message.body_text[:160],
        "to": list(message.to),
        "sender": message.sender,
        "attachments": [{"id": a.id, "filename": a.filename} for a in attachments],
    }


def resend(db: Session, tenant: Tenant, message: Message) -> None:
    """Queue a failed message again (a user's button)."""
    if message.state != State.FAILED:
        raise refused(_("Only a failed message can be sent again."))
    message.state = State.QUEUED
    message.error = ""
    enqueue(db, tenant, SEND_JOB, {"message_id": message.id})


def send(db: Session, tenant: Tenant, payload: Mapping[str, Any]) -> None:
    """The job: send one queued message, or do nothing if it is no longer queued."""
    message = db.scalar(
        select(Message)
        .where(Message.id == payload["message_id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if message is None or message.state != State.QUEUED:
        return
    if message.send_after is not None and as_utc(message.send_after) > utcnow():
        # A scheduled send whose job came early (the sweep): wait for its time again.
        enqueue_send(db, tenant, message.id, message.send_after)
        return
    settings = tokens.settings_of(db)
    if message.channel == Channel.SMS:
        try:
            _finish(db, message, send_sms(db, tenant, message))
        except Exception as exc:
            if not _last_attempt(db, message):
                raise
            _fail(db, message, f"the SMS service did not answer: {exc}")
        return
    earlier = handover.accepted(db, message)
    if earlier is not None:
        # The server took it on an attempt whose transaction was lost: not again.
        message.state = State.SENT
        message.sent_at = earlier.accepted_at
        message.error = earlier.refused
        handover.settle(db, message)
        return
    server = mail_settings(db)
    if server is None or not server.smtp_host:
        _fail(db, message, "outgoing e-mail is not set up")
        return
    email = build_email(db, settings, tenant, server, message)
    try:
        refused_part = delivery.deliver(
            smtp_server(settings, server),
            email,
            server.from_address,
            [*message.to, *message.cc],
        )
    except delivery.Refused as exc:
        _fail(db, message, str(exc))
        return
    except delivery.TryLater as exc:
        if _last_attempt(db, message):
            _fail(db, message, str(exc))
            return
        raise
    handover.record(db, tenant, message, refused_part)
    handover.settle(db, message)
    message.state = State.SENT
    message.sent_at = utcnow()
    message.error = refused_part[:1000]


def _finish(db: Session, message: Message, error: str) -> None:
    if error:
        _fail(db, message, error)
    else:
        message.state = State.SENT
        message.sent_at = utcnow()


def _fail(db: Session, message: Message, reason: str) -> None:
    message.state = State.FAILED
    message.error = reason[:1000]
    if message.entity and message.record_id:
        record_event(
            db,
            message.entity,
            message.record_id,
            MESSAGE_FAILED,
            {"message_id": message.id, "text": message.subject, "reason": message.error},
        )


def _last_attempt(db: Session, message: Message) -> bool:
    """Whether the running send job of ``message`` is on its last attempt."""
    attempts = queue_of(db).config.attempts
    for job in db.scalars(select(Job).where(Job.name == SEND_JOB, Job.state == JobState.RUNNING)):
        if (job.payload or {}).get("message_id") == message.id:
            return job.attempts >= attempts
    return False


def smtp_server(settings: Mapping[str, Any], server: MailSettings) -> delivery.Server:
    return delivery.Server(
        host=server.smtp_host,
        port=server.smtp_port,
        security=server.smtp_security,
        user=server.smtp_user,
        password=decrypt(settings, server.smtp_password) if server.smtp_password else "",
        timeout=float(settings.get("myynti.smtp_timeout") or delivery.DEFAULT_TIMEOUT),
    )


def build_email(
    db: Session,
    settings: Mapping[str, Any],
    tenant: Tenant,
    server: MailSettings,
    message: Message,
) -> EmailMessage:
    """The e-mail of ``message``: headers that route a reply back, body, attachments."""
    email = EmailMessage()
    email["From"] = formataddr((server.from_name or tenant.name, server.from_address))
    email["To"] = ", ".join(message.to)
    if message.cc:
        email["Cc"] = ", ".join(message.cc)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at or utcnow())
    email["Message-ID"] = message.message_id
    if message.entity and message.record_id:
        ref = tokens.RecordRef(message.entity, message.record_id)
        base = server.reply_address or server.from_address
        email["Reply-To"] = tokens.reply_address(settings, tenant.id, ref, base)
    if message.in_reply_to:
        email["In-Reply-To"] = message.in_reply_to
        email["References"] = message.in_reply_to
    if message.automatic:
        email["Auto-Submitted"] = "auto-generated"
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email["Precedence"] = "bulk"
    email.set_content(message.body_text or "")
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.attachment_ids:
        for attachment in db.scalars(
            select(Attachment).where(Attachment.id.in_(list(message.attachment_ids)))
        ):
            maintype, _slash, subtype = attachment.content_type.partition("/")
            email.add_attachment(
                read_bytes(settings, attachment),
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=attachment.filename,
            )
    return email


def _sender(server: MailSettings | None, user: User | None) -> str:
    if user is not None:
        return user.email
    return server.from_address if server is not None else ""


def _addresses(values: Sequence[str]) -> list[str]:
    """Validated, normalised addresses; refused naming the first bad one."""
    result = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        if any(ch in value for ch in "\r\n,;<>"):
            raise refused(_("${address} is not an e-mail address.", mapping={"address": value}))
        try:
            result.append(validate_email(value, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise refused(
                _("${address} is not an e-mail address.", mapping={"address": value})
            ) from None
    if len(result) > MAX_RECIPIENTS:
        raise refused(_("A message may have at most 50 recipients."))
    return result
