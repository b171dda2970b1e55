"""Fetching the tenant's IMAP mailboxes: new mail by UID, UIDVALIDITY remembered.

A periodic job starts one poll job per active mailbox of every tenant with
messaging. The poll job locks its mailbox row (a second worker polling the
same mailbox skips it), and for each folder fetches the UIDs after the last
one stored, a chunk at a time, storing the chunk through ``receiving``
(``store_fetched``: duplicates found from the headers alone, the rest read,
routed and inserted together) and moving the folder's ``last_uid`` on in the
same transaction. When the
folder's UIDVALIDITY has changed, the folder is read again from the start:
the Message-ID (or content hash) key keeps what was stored from being stored
twice. A server that disconnects mid-fetch ends the poll with the error
shown on the mailbox; what was stored stays, and the next poll goes on from
there.
"""

from __future__ import annotations

import imaplib
import logging
import socket
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.attachments import FileStore
from core.credentials import CredentialUnreadable, decrypt
from core.db import all_tenants
from core.jobs import enqueue
from core.models import Tenant, TenantPlugin, utcnow
from plugins.messaging import tokens
from plugins.messaging.incoming import DEFAULT_MAX_ATTACHMENT, from_bytes, message_key
from plugins.messaging.models import Mailbox, Message
from plugins.messaging.receiving import Pending, store_many

log = logging.getLogger(__name__)

POLL_ALL = "messaging.poll_mailboxes"
POLL_JOB = "messaging.poll"
POLL_INTERVAL = 300
FETCH_CHUNK = 50
TIMEOUT = 30.0
#: What a broken connection or a refused login raises (imaplib cannot send a non-ASCII password).
CONNECTION_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError, socket.timeout, UnicodeError)


def enqueue_polls(db: Session) -> int:
    """The periodic job: a poll job for each active mailbox of each tenant with messaging."""
    with all_tenants(db):
        rows = db.execute(
            select(Mailbox.id, Mailbox.tenant_id)
            .join(Tenant, Tenant.id == Mailbox.tenant_id)
            .join(
                TenantPlugin,
                (TenantPlugin.tenant_id == Tenant.id) & (TenantPlugin.plugin == "messaging"),
            )
            .where(Mailbox.active, Tenant.active, TenantPlugin.enabled)
        ).all()
        for row in rows:
            enqueue(db, row.tenant_id, POLL_JOB, {"mailbox_id": row.id})
    return len(rows)


def poll(db: Session, tenant: Tenant, payload: Mapping[str, Any]) -> None:
    """The job: fetch one mailbox's new mail."""
    mailbox = db.scalar(
        select(Mailbox)
        .where(Mailbox.id == payload["mailbox_id"])
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if mailbox is None or not mailbox.active:
        return
    settings = tokens.settings_of(db)
    mailbox.polled_at = utcnow()
    try:
        password = decrypt(settings, mailbox.password) if mailbox.password else ""
        client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.use_tls, timeout=TIMEOUT)
    except CredentialUnreadable as exc:
        mailbox.last_error = str(exc)[:500]
        return
    except CONNECTION_ERRORS as exc:
        mailbox.last_error = f"cannot connect to {mailbox.host}: {exc}"[:500]
        return
    try:
        client.login(mailbox.username, password)
        for folder in mailbox.folders or ["INBOX"]:
            _poll_folder(db, tenant, settings, mailbox, client, folder)
        mailbox.last_error = ""
    except CONNECTION_ERRORS as exc:
        log.info("mailbox %d: %s", mailbox.id, exc)
        mailbox.last_error = f"{mailbox.host}: {exc}"[:500]
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            log.debug("mailbox %d: logout failed", mailbox.id)


def _poll_folder(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    mailbox: Mailbox,
    client: IMAPClient,
    folder: str,
) -> None:
    info = client.select_folder(folder, readonly=True)
    uidvalidity = int(info[b"UIDVALIDITY"])
    state = dict((mailbox.sync_state or {}).get(folder) or {})
    if state.get("uidvalidity") != uidvalidity:
        state = {"uidvalidity": uidvalidity, "last_uid": 0}
    last = int(state["last_uid"])
    uids = sorted(uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last)
    max_attachment = FileStore.from_settings(dict(settings)).max_bytes
    for start in range(0, len(uids), FETCH_CHUNK):
        chunk = uids[start : start + FETCH_CHUNK]
        fetched = client.fetch(chunk, ["BODY.PEEK[]"])
        bodies = [(uid, fetched.get(uid, {}).get(b"BODY[]")) for uid in chunk]
        store_fetched(
            db,
            tenant,
            settings,
            [(uid, data) for uid, data in bodies if data is not None],
            mailbox,
            uidvalidity,
            max_attachment,
        )
        state["last_uid"] = chunk[-1]
        # A new dict, so the JSON column is seen as changed.
        mailbox.sync_state = {**(mailbox.sync_state or {}), folder: dict(state)}
        db.flush()
    if not uids:
        mailbox.sync_state = {**(mailbox.sync_state or {}), folder: dict(state)}


def store_fetched(
    db: Session,
    tenant: Tenant,
    settings: Mapping[str, Any],
    fetched: Sequence[tuple[int, bytes]],
    mailbox: Mailbox,
    uidvalidity: int,
    max_attachment: int = DEFAULT_MAX_ATTACHMENT,
) -> list[Message]:
    """Store a fetched chunk of ``(uid, bytes)``: each read in full only when it is new."""
    pending = [
        Pending(message_key(data), uid, partial(from_bytes, data, max_attachment))
        for uid, data in fetched
    ]
    return store_many(db, tenant, settings, pending, mailbox, uidvalidity)
