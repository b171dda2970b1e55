"""Sending through ``myynti_send_message``: a real SMTP server, the job, history, idempotence."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import select

from core import MessageFile, MessageRefused, OutgoingMessage
from core.jobs.outbox import tenant_hooks
from core.models import Attachment, Event, Job
from core.testing import run_jobs
from plugins.messaging import tokens
from plugins.messaging.models import Message, State
from plugins.messaging.outbox import MESSAGE_FAILED, MESSAGE_OUT, SEND_JOB, resend
from tests.messaging.conftest import as_tenant


def send(jobdb, acme, **fields):
    tenant = as_tenant(jobdb, acme.tenant)
    hooks = tenant_hooks(jobdb, tenant)
    message = OutgoingMessage(**{"entity": "task", "record_id": acme.task.id, **fields})
    return hooks.myynti_send_message(db=jobdb, tenant=tenant, message=message)


def parsed(received):
    return email.message_from_bytes(received.data, policy=policy.default)


def events(jobdb, entity, record_id, kind):
    return list(
        jobdb.scalars(
            select(Event).where(
                Event.entity == entity, Event.record_id == record_id, Event.kind == kind
            )
        )
    )


def test_a_message_to_a_task_goes_to_its_contact_with_headers_that_route_the_reply(
    jobdb, acme, smtp, app_secrets
):
    message_id = send(jobdb, acme, subject="Tarjous", body="Hei Ville,\ntässä tarjous.")
    row = jobdb.get(Message, message_id)
    assert row.state == State.QUEUED
    assert row.to == ["ville@virtanen.example"]
    assert smtp.handler.received == []  # nothing leaves before the transaction commits

    run_jobs(jobdb, acme.tenant, SEND_JOB)

    assert len(smtp.handler.received) == 1
    got = smtp.handler.received[0]
    assert got.rcpt_tos == ["ville@virtanen.example"]
    mail = parsed(got)
    assert mail["Subject"] == "Tarjous"
    assert "tässä tarjous" in mail.get_content()
    assert mail["Message-ID"] == row.message_id
    ref = tokens.from_message_ids(app_secrets, acme.tenant.id, mail["Message-ID"])
    assert ref == tokens.RecordRef("task", acme.task.id)
    assert re.fullmatch(r"myynti\+r\.task-\d+-[0-9a-f]{16}@acme\.example", mail["Reply-To"])
    assert tokens.from_address(app_secrets, acme.tenant.id, mail["Reply-To"]) == ref
    assert mail["Auto-Submitted"] is None
    jobdb.refresh(row)
    assert row.state == State.SENT and row.sent_at is not None
    [event] = events(jobdb, "task", acme.task.id, MESSAGE_OUT)
    assert event.payload["message_id"] == message_id


def test_a_send_job_run_again_does_not_send_twice(jobdb, acme, smtp):
    send(jobdb, acme, subject="Kerran", body="Vain kerran")
    [job] = run_jobs(jobdb, acme.tenant, SEND_JOB)
    tenant = as_tenant(jobdb, acme.tenant)
    # The broker delivers the same job again (a retry after a crash, a duplicate).
    jobdb.info["myynti.jobs"].job_types[SEND_JOB].job.run(
        db=jobdb, tenant=tenant, payload=job.payload
    )
    assert len(smtp.handler.received) == 1


def test_automatic_mail_is_marked_auto_submitted(jobdb, acme, smtp):
    send(jobdb, acme, subject="Muistutus", body="Automaattinen", automatic=True)
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    assert parsed(smtp.handler.received[0])["Auto-Submitted"] == "auto-generated"


def test_files_become_attachments_of_the_record_and_of_the_mail(jobdb, acme, smtp):
    pdf = MessageFile("tarjous.pdf", "application/pdf", b"%PDF-1.4 tarjous")
    message_id = send(jobdb, acme, subject="Tarjous", body="Liitteenä", files=(pdf,))
    [attachment] = jobdb.scalars(
        select(Attachment).where(Attachment.entity == "task", Attachment.record_id == acme.task.id)
    )
    assert attachment.filename == "tarjous.pdf"
    [event] = events(jobdb, "task", acme.task.id, MESSAGE_OUT)
    assert event.payload["attachments"] == [{"id": attachment.id, "filename": "tarjous.pdf"}]
    assert jobdb.get(Message, message_id).attachment_ids == [attachment.id]
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    [part] = list(parsed(smtp.handler.received[0]).iter_attachments())
    assert part.get_filename() == "tarjous.pdf"
    assert part.get_content() == b"%PDF-1.4 tarjous"


def test_marketing_mail_to_a_person_without_consent_is_refused_and_writes_nothing(jobdb, acme):
    with pytest.raises(MessageRefused, match="has not agreed to marketing"):
        send(jobdb, acme, subject="Kevätale", body="-20 %", marketing=True)
    assert list(jobdb.scalars(select(Message))) == []
    assert events(jobdb, "task", acme.task.id, MESSAGE_OUT) == []
    acme.person.marketing_consent = True
    jobdb.merge(acme.person)
    assert send(jobdb, acme, subject="Kevätale", body="-20 %", marketing=True)


def test_a_subject_with_a_line_break_is_refused(jobdb, acme):
    with pytest.raises(MessageRefused, match="one line"):
        send(jobdb, acme, subject="Hei\r\nBcc: everyone@example.com", body="x")
    with pytest.raises(MessageRefused, match="not an e-mail address"):
        send(jobdb, acme, to=("ville@virtanen.example\r\nBcc: x@example.com",), body="x")
    assert list(jobdb.scalars(select(Message))) == []


def test_a_record_without_an_address_or_of_another_tenant_is_refused(jobdb, acme, beta):
    with pytest.raises(MessageRefused, match="not found"):
        send(jobdb, acme, entity="customer", record_id=beta.customer.id, body="x")
    acme.person.email = None
    acme.customer.email = None
    jobdb.merge(acme.person)
    jobdb.merge(acme.customer)
    with pytest.raises(MessageRefused, match="no e-mail address"):
        send(jobdb, acme, entity="contact_person", record_id=acme.person.id, body="x")


def test_a_server_that_refuses_fails_the_message_with_its_reason_and_it_can_be_resent(
    jobdb, acme, smtp
):
    smtp.handler.mode = "refuse"
    message_id = send(jobdb, acme, subject="Tarjous", body="x")
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    row = jobdb.get(Message, message_id)
    jobdb.refresh(row)
    assert row.state == State.FAILED
    assert "550" in row.error and "Relaying denied" in row.error
    [failed] = events(jobdb, "task", acme.task.id, MESSAGE_FAILED)
    assert "Relaying denied" in failed.payload["reason"]

    smtp.handler.mode = "accept"
    resend(jobdb, as_tenant(jobdb, acme.tenant), row)
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    jobdb.refresh(row)
    assert row.state == State.SENT
    assert len(smtp.handler.received) == 1


@pytest.mark.parametrize("mode", ["busy", "slow", "drop"])
def test_a_temporary_failure_is_retried_and_fails_after_the_last_attempt(
    jobdb, acme, smtp, app_secrets, monkeypatch, mode
):
    monkeypatch.setitem(app_secrets, "myynti.smtp_timeout", "0.5")
    smtp.handler.mode = mode
    smtp.handler.delay = 2.0
    message_id = send(jobdb, acme, subject="Tarjous", body="x")
    [job] = run_jobs(jobdb, acme.tenant, SEND_JOB)
    row = jobdb.get(Message, message_id)
    jobdb.refresh(row)
    assert row.state == State.QUEUED  # the job will try again
    assert job.state == "pending" and job.last_error
    attempts = jobdb.info["myynti.jobs"].config.attempts
    for _attempt in range(attempts - 1):
        run_jobs(jobdb, acme.tenant, SEND_JOB)
    jobdb.refresh(row)
    assert row.state == State.FAILED
    assert row.error
    assert jobdb.get(Job, job.id).state == "done"


def test_template_choices_are_offered_to_other_plugins(jobdb, acme):
    tenant = as_tenant(jobdb, acme.tenant)
    hooks = tenant_hooks(jobdb, tenant)
    choices = hooks.collect("myynti_message_templates", db=jobdb, tenant=tenant, channel="email")
    assert choices == []


def test_a_message_to_a_member_of_the_tenant_goes_to_their_address(jobdb, acme, smtp):
    """Entity ``user``: a report or notice for a colleague, with a file, to the user's e-mail."""
    sheet = MessageFile("myynti.csv", "text/csv", "\ufeffMyyjä;Voitettu\r\n".encode())
    send(
        jobdb,
        acme,
        entity="user",
        record_id=acme.maija.id,
        subject="Raportti",
        body="Liitteenä.",
        files=(sheet,),
        automatic=True,
    )
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    [got] = smtp.handler.received
    assert got.rcpt_tos == ["maija@acme.example"]
    [attachment] = parsed(got).iter_attachments()
    assert attachment.get_filename() == "myynti.csv"
    assert attachment.get_payload(decode=True) == sheet.data


def test_a_message_to_a_user_of_another_tenant_is_refused(jobdb, acme, beta, smtp):
    with pytest.raises(MessageRefused, match="record of the message was not found"):
        send(jobdb, acme, entity="user", record_id=beta.user.id, subject="Raportti", body="x")
    assert jobdb.scalars(select(Message)).all() == []
