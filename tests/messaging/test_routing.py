"""Received mail: stored once, routed by token, thread, subject, sender; no lead from a robot."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.models import Attachment, Event
from plugins.contacts.models import ContactRequest
from plugins.messaging import tokens
from plugins.messaging.models import Bounce, Mailbox, Message, State
from plugins.messaging.outbox import MESSAGE_IN
from plugins.messaging.receiving import Incoming, IncomingFile, store
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
            unrouted="unrouted",
        )
        db.add(row)
        db.flush()
    return row


def incoming(number=1, **fields):
    values = {
        "message_id": f"<in-{number}@virtanen.example>",
        "sender": "ville@virtanen.example",
        "sender_name": "Ville Virtanen",
        "to": ["myynti@acme.example"],
        "subject": "Kysymys",
        "text": "Hei, kysyisin katosta.",
        "content_hash": hashlib.sha256(str(number).encode()).hexdigest(),
    }
    values.update(fields)
    return Incoming(**values)


def as_email(mail):
    message = EmailMessage()
    message["From"] = f"{mail.sender_name} <{mail.sender}>"
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.text)
    return message


def receive(jobdb, acme, app_secrets, mail, mailbox=None, uid=None):
    tenant = as_tenant(jobdb, acme.tenant)
    box = jobdb.get(Mailbox, mailbox.id) if mailbox is not None else None
    return store(jobdb, tenant, app_secrets, mail, box, 7 if uid else None, uid)


def unrouted_to_requests(jobdb, acme, mailbox):
    as_tenant(jobdb, acme.tenant)
    jobdb.get(Mailbox, mailbox.id).unrouted = "request"
    jobdb.flush()


def reply_address(app_secrets, tenant_id, entity, record_id):
    ref = tokens.RecordRef(entity, record_id)
    return tokens.reply_address(app_secrets, tenant_id, ref, "myynti@acme.example")


def test_a_reply_to_our_address_goes_to_its_record_with_history_and_attachments(
    jobdb, acme, app_secrets, mailbox
):
    address = reply_address(app_secrets, acme.tenant.id, "task", acme.task.id)
    mail = incoming(
        to=[address],
        files=[IncomingFile("mittaus.pdf", "application/pdf", b"%PDF mittaus")],
        skipped=[{"filename": "video.mov", "size": 41_943_040, "reason": "too large"}],
    )
    message = receive(jobdb, acme, app_secrets, mail, mailbox, uid=1)
    assert (message.entity, message.record_id, message.routed_by) == ("task", acme.task.id, "token")
    assert message.state == State.RECEIVED
    [attachment] = jobdb.scalars(
        select(Attachment).where(Attachment.entity == "task", Attachment.record_id == acme.task.id)
    )
    assert attachment.filename == "mittaus.pdf"
    [event] = jobdb.scalars(select(Event).where(Event.kind == MESSAGE_IN))
    assert (event.entity, event.record_id, event.actor_label) == (
        "task",
        acme.task.id,
        "ville@virtanen.example",
    )
    assert event.payload["attachments"] == [{"id": attachment.id, "filename": "mittaus.pdf"}]
    assert event.payload["message_id"] == message.id
    assert event.payload["skipped"][0]["filename"] == "video.mov"


def test_routing_follows_the_thread_then_the_subject_then_a_known_sender(jobdb, acme, app_secrets):
    ref = tokens.RecordRef("customer", acme.customer.id)
    our_id = tokens.message_id(app_secrets, acme.tenant.id, ref)
    by_thread = receive(jobdb, acme, app_secrets, incoming(1, references=f"<x@y> {our_id}"))
    assert (by_thread.entity, by_thread.routed_by) == ("customer", "thread")

    tag = tokens.subject_tag(app_secrets, acme.tenant.id, ref)
    by_subject = receive(jobdb, acme, app_secrets, incoming(2, subject=f"Re: Tarjous {tag}"))
    assert (by_subject.entity, by_subject.routed_by) == ("customer", "subject")

    # Ville is the contact of exactly one open task.
    by_sender = receive(jobdb, acme, app_secrets, incoming(3, sender="Ville@Virtanen.example"))
    assert (by_sender.entity, by_sender.record_id, by_sender.routed_by) == (
        "task",
        acme.task.id,
        "sender",
    )


def test_a_forged_token_or_another_tenant_s_token_never_routes(
    jobdb, acme, beta, app_secrets, mailbox
):
    forged = f"myynti+r.task-{acme.task.id}-0123456789abcdef@acme.example"
    others = reply_address(app_secrets, beta.tenant.id, "customer", beta.customer.id)
    beta_ref = tokens.RecordRef("customer", beta.customer.id)
    beta_thread = tokens.message_id(app_secrets, beta.tenant.id, beta_ref)
    for number, mail in enumerate(
        [
            incoming(10, to=[forged], sender="stranger@example.org"),
            incoming(11, to=[others], sender="stranger@example.org"),
            incoming(12, in_reply_to=beta_thread, sender="stranger@example.org"),
            # A token of Beta's record id that also exists in Acme does not route either.
            incoming(
                13,
                to=[others.replace(str(beta.customer.id), str(acme.customer.id))],
                sender="s@example.org",
            ),
        ]
    ):
        message = receive(jobdb, acme, app_secrets, mail, mailbox, uid=100 + number)
        assert message.entity is None and message.state == State.UNROUTED


def test_a_message_is_stored_once_however_often_it_is_fetched(jobdb, acme, app_secrets, mailbox):
    mail = incoming(20)
    assert receive(jobdb, acme, app_secrets, mail, mailbox, uid=5) is not None
    assert receive(jobdb, acme, app_secrets, mail, mailbox, uid=5) is None  # a re-poll
    assert receive(jobdb, acme, app_secrets, mail, mailbox, uid=6) is None  # copied in the folder
    without_id = incoming(21, message_id="")
    assert receive(jobdb, acme, app_secrets, without_id, mailbox, uid=8).message_key.startswith(
        "sha256:"
    )
    assert receive(jobdb, acme, app_secrets, incoming(21, message_id=""), mailbox, uid=9) is None
    assert len(jobdb.scalars(select(Message)).all()) == 2


def test_an_unknown_sender_becomes_a_contact_request_when_the_mailbox_says_so(
    jobdb, acme, app_secrets, mailbox
):
    unrouted_to_requests(jobdb, acme, mailbox)
    mail = incoming(
        30, sender="uusi@asiakas.example", sender_name="Uusi Asiakas", subject="Tarjouspyyntö"
    )
    mail.email = as_email(mail)
    message = receive(jobdb, acme, app_secrets, mail, mailbox, uid=30)
    assert message.entity == "contact_request" and message.routed_by == "request"
    contact_request = jobdb.get(ContactRequest, message.record_id)
    assert contact_request.email == "uusi@asiakas.example"
    assert contact_request.subject == "Tarjouspyyntö"


def test_an_auto_reply_never_becomes_a_lead_and_gets_no_answer(jobdb, acme, app_secrets, mailbox):
    unrouted_to_requests(jobdb, acme, mailbox)
    # An out-of-office answer to our automatic mail, without any of our tokens.
    mail = incoming(
        40, sender="lomalla@example.org", subject="Automatic reply: Muistutus", automatic=True
    )
    mail.email = as_email(mail)
    message = receive(jobdb, acme, app_secrets, mail, mailbox, uid=40)
    assert message.state == State.UNROUTED and message.automatic
    assert jobdb.scalars(select(ContactRequest)).all() == []
    # Nothing is sent back: the loop ends here.
    assert jobdb.scalars(select(Message).where(Message.direction == "out")).all() == []


def test_a_delivery_status_notification_marks_the_address_bouncing(
    jobdb, acme, app_secrets, mailbox
):
    mail = incoming(
        50, sender="MAILER-DAEMON@mx.example", automatic=True, bounced=["Ville@Virtanen.example"]
    )
    receive(jobdb, acme, app_secrets, mail, mailbox, uid=50)
    [bounce] = jobdb.scalars(select(Bounce))
    assert bounce.address == "ville@virtanen.example"


def test_an_attachment_over_the_limit_or_with_a_path_for_a_name_is_recorded_as_skipped(
    jobdb, acme, app_secrets, monkeypatch
):
    monkeypatch.setitem(app_secrets, "myynti.attachment_max_bytes", "1024")
    address = reply_address(app_secrets, acme.tenant.id, "task", acme.task.id)
    mail = incoming(
        60,
        to=[address],
        files=[
            IncomingFile("iso.bin", "application/octet-stream", b"x" * 2048),
            IncomingFile("../../etc/passwd", "text/plain", b"root"),
            IncomingFile("ok.txt", "text/plain", b"ok"),
        ],
    )
    message = receive(jobdb, acme, app_secrets, mail)
    assert [s["filename"] for s in message.skipped] == ["iso.bin", "../../etc/passwd"]
    assert "larger than the limit" in message.skipped[0]["reason"]
    assert len(message.attachment_ids) == 1
