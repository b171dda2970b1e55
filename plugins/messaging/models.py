"""Messaging's tables: the tenant's mail server, its templates, its mailboxes and every message.

A ``Message`` is one e-mail or SMS, out or in. An outgoing one is written in
the transaction that asked for it (state *queued*) together with the job that
sends it; the job moves it to *sent* or *failed* with the server's reason. A
received one is stored once: the unique constraints on the mailbox position
(mailbox, UIDVALIDITY, UID) and on its key (Message-ID, else a content hash)
make a re-poll, a restart or a second worker insert nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, JSONDocument, TenantOwned, utcnow


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class State(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    RECEIVED = "received"
    #: Received and waiting in the unrouted queue for a user to assign it.
    UNROUTED = "unrouted"


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class MailSettings(TenantOwned, Base):
    """The tenant's outgoing mail server and sender (one row per tenant)."""

    __tablename__ = "messaging_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_messaging_settings_tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    smtp_host: Mapped[str] = mapped_column(String(253), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[str] = mapped_column(String(8), default=Security.STARTTLS)
    smtp_user: Mapped[str] = mapped_column(String(254), default="")
    #: Encrypted with ``core.credentials``; empty when the server needs no login.
    smtp_password: Mapped[str] = mapped_column(Text, default="")
    from_address: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    #: Replies come back to this mailbox as ``local+token@domain``.
    reply_address: Mapped[str] = mapped_column(String(254), default="")
    #: The SMS gateway's key (``myynti_sms_gateways``), its endpoint and its token (encrypted).
    sms_gateway: Mapped[str] = mapped_column(String(40), default="http")
    sms_endpoint: Mapped[str] = mapped_column(String(500), default="")
    sms_token: Mapped[str] = mapped_column(Text, default="")
    sms_sender: Mapped[str] = mapped_column(String(11), default="")
    #: Group sends: at most this many messages a minute, all the tenant's group sends together.
    per_minute: Mapped[int] = mapped_column(Integer, default=120)
    #: The send times group sends have taken (``throttle.Run`` as JSON), until they have passed.
    group_runs: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, server_default="[]"
    )


class Template(TenantOwned, Base):
    """One language version of a message template; versions share ``key`` and ``channel``."""

    __tablename__ = "messaging_template"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", "channel", "language", name="uq_messaging_template"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(8), default=Channel.EMAIL)
    language: Mapped[str] = mapped_column(String(2), default="fi")
    name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Mailbox(TenantOwned, Base):
    """An IMAP mailbox of the tenant whose mail is fetched into messages."""

    __tablename__ = "messaging_mailbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer, default=993)
    use_tls: Mapped[bool] = mapped_column(Boolean, default=True)
    username: Mapped[str] = mapped_column(String(254))
    #: Encrypted with ``core.credentials``.
    password: Mapped[str] = mapped_column(Text, default="")
    folders: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: What an unroutable message becomes: ``"request"`` (a contact request) or ``"unrouted"``.
    unrouted: Mapped[str] = mapped_column(String(16), default="unrouted")
    #: Per folder: ``{"uidvalidity": int, "last_uid": int}``.
    sync_state: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Message(TenantOwned, Base):
    """One e-mail or SMS, sent or received, on a record (or unrouted)."""

    __tablename__ = "messaging_message"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "mailbox_id", "uidvalidity", "uid", name="uq_messaging_message_uid"
        ),
        UniqueConstraint("tenant_id", "message_key", name="uq_messaging_message_key"),
        Index("ix_messaging_message_record", "tenant_id", "entity", "record_id", "created_at"),
        Index("ix_messaging_message_state", "tenant_id", "state", "created_at"),
        Index("ix_messaging_message_group", "tenant_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), default=Direction.OUT)
    channel: Mapped[str] = mapped_column(String(8), default=Channel.EMAIL)
    state: Mapped[str] = mapped_column(String(10), default=State.QUEUED)
    entity: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(320), default="")
    to: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    cc: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    #: Outgoing: the HTML we send; incoming: the received HTML sanitised with nh3.
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: Incoming: the sanitised HTML with its remote images kept, shown only when a user asks
    #: (loading them tells the sender the message was read); empty when it has none.
    body_html_images: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Incoming: the text without quoted history, for display (``body_text`` keeps it all).
    display_text: Mapped[str] = mapped_column(Text, default="")
    #: The Message-ID header (outgoing: ours, recorded before sending).
    message_id: Mapped[str] = mapped_column(String(998), default="")
    #: Dedupe key: the Message-ID, or ``sha256:<hex>`` of a message without one; NULL outgoing.
    message_key: Mapped[str | None] = mapped_column(String(998))
    in_reply_to: Mapped[str] = mapped_column(String(998), default="")
    #: Core attachment ids that went with the message.
    attachment_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    #: Received attachments that were not stored (too big): ``[{"filename", "size", "reason"}]``.
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    template_key: Mapped[str] = mapped_column(String(60), default="")
    #: Marketing mail: the recipient's unsubscribe link (also in ``List-Unsubscribe``).
    unsubscribe_url: Mapped[str] = mapped_column(String(500), default="")
    group_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(1000), default="")
    #: How a received message found its record (``token``, ``thread``, ``subject``...).
    routed_by: Mapped[str] = mapped_column(String(16), default="")
    mailbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("messaging_mailbox.id", ondelete="SET NULL")
    )
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    send_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Bounce(TenantOwned, Base):
    """An address a delivery status notification said does not take our mail."""

    __tablename__ = "messaging_bounce"
    __table_args__ = (UniqueConstraint("tenant_id", "address", name="uq_messaging_bounce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroupSend(TenantOwned, Base):
    """One template sent to a selection of customers or contact persons."""

    __tablename__ = "messaging_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_key: Mapped[str] = mapped_column(String(60))
    #: ``"customer"`` or ``"contact_person"``.
    audience: Mapped[str] = mapped_column(String(20))
    #: The list's filters: ``{"q": "...", "tag": "..."}``.
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    marketing: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The recipients' ids, fixed when the send was confirmed.
    recipient_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    #: How many recipients have been queued so far (the fan-out job's cursor).
    queued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    link_base: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    send_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DigestSubscription(TenantOwned, Base):
    """A user's daily or hourly e-mail of what changed in their tasks and teams."""

    __tablename__ = "messaging_digest"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_messaging_digest_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: ``"daily"`` or ``"hourly"``.
    frequency: Mapped[str] = mapped_column(String(8), default="daily")
    #: The end of the period the last digest covered.
    sent_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Handover(TenantOwned, Base):
    """The mail server accepted a message whose send job may not have committed (``handover``).

    No foreign key to the message: the row is written in a transaction of its own while
    the send job holds the message row locked.
    """

    __tablename__ = "messaging_handover"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_id", name="uq_messaging_handover_message"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    #: The recipients the server refused, as the send job records them on the message.
    refused: Mapped[str] = mapped_column(String(1000), default="")
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
