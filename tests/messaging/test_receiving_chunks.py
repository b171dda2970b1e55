"""A fetched chunk of mail stored in one go: duplicates, routing order, a race of workers."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from core.db import all_tenants
from core.models import Attachment, Event
from plugins.messaging import tokens
from plugins.messaging.incoming import from_bytes, message_key
from plugins.messaging.models import Mailbox, Message, State
from plugins.messaging.outbox import MESSAGE_IN
from plugins.messaging.polling import store_fetched
from plugins.messaging.receiving import Pending, store, store_many
from tests.messaging.conftest import as_tenant


@pytest.fixture
def mailbox(acme, db):
    with all_tenants(db):
        row = Mailbox(
            tenant_id=acme.tenant.id,
            name="Myynti",
            host="127.0.0.1",
            username="myynti",
            folders=["INBOX"],
            sync_state={},
        )
        db.add(row)
        db.flush()
    return row


def mail(number: int, sender: str = "tuntematon@example.org", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = headers.pop("to", "myynti@acme.example")
    message["Subject"] = headers.pop("subject", f"Viesti {number}")
    if number >= 0:
        message["Message-ID"] = f"<chunk-{number}@example.org>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"Teksti {number}")
    return message.as_bytes()


def stored(jobdb) -> list[Message]:
    return list(jobdb.scalars(select(Message).order_by(Message.uid)))


def test_the_key_read_from_the_headers_is_the_key_of_the_whole_message():
    samples = [
        mail(1),
        mail(-1),  # no Message-ID: the content hash
        b"From: a@example.org\nMessage-ID:\n <folded@example.org>\n\nbody\n\nmore\n",
        b"Subject: =?x-klingon?B?SGVp?=\r\nMessage-ID: <=?utf-8?q?T=C3=A4?=@x>\r\n\r\nx",
        b"Message-ID: <only-headers@example.org>",
    ]
    keys = [message_key(raw) for raw in samples]
    assert keys == [from_bytes(raw).key for raw in samples]
    assert keys[0] == "<chunk-1@example.org>" and keys[1].startswith("sha256:")
    assert keys[2] == "<folded@example.org>"


def test_a_chunk_is_routed_in_the_same_order_as_one_message_at_a_time(
    jobdb, acme, app_secrets, mailbox
):
    tenant = as_tenant(jobdb, acme.tenant)
    task = tokens.RecordRef("task", acme.task.id)
    customer = tokens.RecordRef("customer", acme.customer.id)
    our_id = tokens.message_id(app_secrets, acme.tenant.id, customer)
    forged = f"myynti+r.task-{acme.task.id}-0123456789abcdef@acme.example"
    chunk = [
        # The token wins over the thread and the subject.
        mail(
            1,
            to=tokens.reply_address(app_secrets, acme.tenant.id, task, "myynti@acme.example"),
            References=our_id,
        ),
        mail(2, References=f"<x@y> {our_id}"),
        mail(3, subject=f"Re: {tokens.subject_tag(app_secrets, acme.tenant.id, customer)}"),
        mail(4, sender="Ville@Virtanen.example"),  # Ville's one open task
        mail(5, to=forged),
        mail(6),
    ]
    box = jobdb.get(Mailbox, mailbox.id)
    messages = store_fetched(jobdb, tenant, app_secrets, list(enumerate(chunk, 1)), box, 9)
    assert [(m.uid, m.entity, m.record_id, m.routed_by) for m in messages] == [
        (1, "task", acme.task.id, "token"),
        (2, "customer", acme.customer.id, "thread"),
        (3, "customer", acme.customer.id, "subject"),
        (4, "task", acme.task.id, "sender"),
        (5, None, None, ""),
        (6, None, None, ""),
    ]
    events = jobdb.scalars(select(Event).where(Event.kind == MESSAGE_IN).order_by(Event.id))
    assert [e.payload["message_id"] for e in events] == [m.id for m in messages[:4]]


def test_a_chunk_stores_each_message_once_with_its_attachments(jobdb, acme, app_secrets, mailbox):
    tenant = as_tenant(jobdb, acme.tenant)
    box = jobdb.get(Mailbox, mailbox.id)
    address = tokens.reply_address(
        app_secrets, acme.tenant.id, tokens.RecordRef("task", acme.task.id), "myynti@acme.example"
    )
    with_file = EmailMessage()
    with_file["From"] = "ville@virtanen.example"
    with_file["To"] = address
    with_file["Subject"] = "Mittaus"
    with_file["Message-ID"] = "<file@virtanen.example>"
    with_file.set_content("Liitteenä.")
    with_file.add_attachment(b"%PDF-1.4 x", "application", "pdf", filename="mittaus äö.pdf")
    unrouted_file = EmailMessage()
    unrouted_file["From"] = "x@example.org"
    unrouted_file["Message-ID"] = "<unrouted-file@example.org>"
    unrouted_file.set_content("Kuva.")
    unrouted_file.add_attachment(b"GIF89a", "image", "gif", filename="kuva.gif")
    chunk = [
        (1, mail(1)),
        (2, with_file.as_bytes()),
        (3, mail(1)),  # the same message again in the same folder
        (4, mail(-1)),
        (5, unrouted_file.as_bytes()),
    ]
    first = store_fetched(jobdb, tenant, app_secrets, chunk, box, 9)
    assert [m.uid for m in first] == [1, 2, 4, 5]
    # A re-poll of the same chunk, and the chunk again after UIDVALIDITY changed.
    assert store_fetched(jobdb, tenant, app_secrets, chunk, box, 9) == []
    assert store_fetched(jobdb, tenant, app_secrets, chunk, box, 10) == []
    assert len(stored(jobdb)) == 4
    [routed] = jobdb.scalars(select(Attachment).where(Attachment.entity == "task"))
    assert routed.filename == "mittaus äö.pdf" and first[1].attachment_ids == [routed.id]
    [waiting] = jobdb.scalars(select(Attachment).where(Attachment.record_id == first[3].id))
    assert first[3].state == State.UNROUTED and first[3].attachment_ids == [waiting.id]


def test_a_message_another_worker_stores_meanwhile_is_not_doubled(
    jobdb, acme, app_secrets, mailbox
):
    """The other worker's row lands after the chunk's check: the unique key stops the chunk,
    which is stored again one message at a time, without the other worker's message."""
    tenant = as_tenant(jobdb, acme.tenant)
    box = jobdb.get(Mailbox, mailbox.id)
    other_worker = from_bytes(mail(2))

    def read_while_the_other_worker_stores() -> object:
        store(jobdb, tenant, app_secrets, other_worker)
        return from_bytes(mail(2))

    chunk = [
        Pending(message_key(mail(1)), 1, lambda: from_bytes(mail(1))),
        Pending(message_key(mail(2)), 2, read_while_the_other_worker_stores),
        Pending(message_key(mail(3)), 3, lambda: from_bytes(mail(3))),
    ]
    messages = store_many(jobdb, tenant, app_secrets, chunk, box, 9)
    assert [m.uid for m in messages] == [1, 3]
    keys = jobdb.execute(
        select(Message.message_key, func.count()).group_by(Message.message_key)
    ).all()
    assert sorted(keys) == [(f"<chunk-{n}@example.org>", 1) for n in (1, 2, 3)]
