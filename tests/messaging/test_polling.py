"""Polling a real IMAP server (Dovecot): new mail by UID, UIDVALIDITY, disconnects, isolation."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from core.credentials import encrypt
from core.db import all_tenants
from core.models import Job
from core.testing import run_jobs
from plugins.messaging import polling, receiving
from plugins.messaging.models import Mailbox, Message
from tests.messaging.conftest import as_tenant
from tests.messaging.dovecot import PASSWORD, USER, running_dovecot


@pytest.fixture
def dovecot():
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mailbox(acme, db, dovecot, app_secrets):
    with all_tenants(db):
        row = Mailbox(
            tenant_id=acme.tenant.id,
            name="Myynti",
            host="127.0.0.1",
            port=dovecot.port,
            use_tls=False,
            username=USER,
            password=encrypt(app_secrets, PASSWORD),
            folders=["INBOX"],
            sync_state={},
        )
        db.add(row)
        db.flush()
    return row


def raw(number: int, sender: str = "tuntematon@example.org") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "myynti@acme.example"
    message["Subject"] = f"Viesti {number}"
    message["Message-ID"] = f"<poll-{number}@example.org>"
    message.set_content(f"Teksti {number}")
    return message.as_bytes()


def stored(jobdb, acme) -> list[Message]:
    as_tenant(jobdb, acme.tenant)
    return list(jobdb.scalars(select(Message).order_by(Message.uid)))


def poll(jobdb, acme, mailbox):
    polling.poll(jobdb, as_tenant(jobdb, acme.tenant), {"mailbox_id": mailbox.id})
    jobdb.flush()
    return jobdb.get(Mailbox, mailbox.id)


def test_the_periodic_job_polls_each_mailbox_and_new_mail_is_fetched_once(
    jobdb, acme, mailbox, dovecot
):
    for number in range(3):
        dovecot.append(raw(number, "ville@virtanen.example" if number == 0 else "x@example.org"))
    with all_tenants(jobdb):
        assert polling.enqueue_polls(jobdb) == 1
    run_jobs(jobdb, acme.tenant, polling.POLL_JOB)
    messages = stored(jobdb, acme)
    assert [m.subject for m in messages] == ["Viesti 0", "Viesti 1", "Viesti 2"]
    assert messages[0].entity == "task"  # Ville's one open task
    box = jobdb.get(Mailbox, mailbox.id)
    assert box.sync_state["INBOX"]["last_uid"] == 3 and box.last_error == ""

    dovecot.append(raw(3))
    poll(jobdb, acme, mailbox)
    poll(jobdb, acme, mailbox)
    assert [m.uid for m in stored(jobdb, acme)] == [1, 2, 3, 4]


def test_a_changed_uidvalidity_refetches_without_doubling(jobdb, acme, mailbox, dovecot):
    for number in range(3):
        dovecot.append(raw(number))
    poll(jobdb, acme, mailbox)
    box = jobdb.get(Mailbox, mailbox.id)
    box.sync_state = {"INBOX": {"uidvalidity": 1, "last_uid": 3}}  # the server's was another
    jobdb.flush()
    box = poll(jobdb, acme, mailbox)
    assert len(stored(jobdb, acme)) == 3
    assert box.sync_state["INBOX"]["uidvalidity"] != 1
    assert box.sync_state["INBOX"]["last_uid"] == 3


def test_a_server_that_disconnects_mid_fetch_loses_and_doubles_nothing(
    jobdb, acme, mailbox, dovecot, monkeypatch
):
    for number in range(12):
        dovecot.append(raw(number))
    monkeypatch.setattr(polling, "FETCH_CHUNK", 4)
    real_store = receiving.store_many
    calls = []

    def store_then_kick(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # while the second chunk is stored
            dovecot.kick()
        return real_store(*args, **kwargs)

    monkeypatch.setattr(polling, "store_many", store_then_kick)
    box = poll(jobdb, acme, mailbox)
    assert box.last_error  # shown on the mailbox
    first = len(stored(jobdb, acme))
    assert 4 <= first < 12
    monkeypatch.setattr(polling, "store_many", real_store)
    box = poll(jobdb, acme, mailbox)
    assert box.last_error == ""
    messages = stored(jobdb, acme)
    assert sorted(m.uid for m in messages) == list(range(1, 13))


@pytest.mark.parametrize("password", ["wrong", "väärä"])
def test_a_wrong_password_is_shown_on_the_mailbox(jobdb, acme, mailbox, app_secrets, password):
    as_tenant(jobdb, acme.tenant)
    jobdb.get(Mailbox, mailbox.id).password = encrypt(app_secrets, password)
    jobdb.flush()
    box = poll(jobdb, acme, mailbox)
    assert "127.0.0.1" in box.last_error
    assert stored(jobdb, acme) == []


def test_a_poll_job_of_another_tenant_s_mailbox_does_nothing(jobdb, acme, beta, mailbox, dovecot):
    dovecot.append(raw(1))
    polling.poll(jobdb, as_tenant(jobdb, beta.tenant), {"mailbox_id": mailbox.id})
    with all_tenants(jobdb):
        assert jobdb.scalar(select(func.count()).select_from(Message)) == 0
        assert (
            jobdb.scalar(select(func.count()).select_from(Job).where(Job.name == polling.POLL_JOB))
            == 0
        )
