"""No second send after a crash between the mail server's "accepted" and the job's commit.

The handover row is committed in a transaction of its own, so this test works
on committed rows (a tenant of its own, deleted afterwards) and on PostgreSQL,
where the send job's transaction and the handover's can commit apart.
"""

from __future__ import annotations

import email
import uuid
from email import policy

import pytest
from sqlalchemy import delete, func, select

from core.db import all_tenants, set_tenant
from core.licensing import enable_plugin
from core.models import Tenant
from core.testing import run_jobs
from plugins.messaging import delivery, outbox, tokens
from plugins.messaging.models import Handover, MailSettings, Message, Security, State
from tests.messaging.test_send import send


@pytest.fixture
def committed(wsgi_app, db_engine, myynti_registry, smtp):
    """A committed tenant with its mail server on the test's aiosmtpd and one queued message."""
    queue = wsgi_app.registry.myynti_jobs
    if db_engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the worker's transaction holds the write lock: no commit apart")
    settings = queue.settings
    with queue.session() as db, db.begin(), all_tenants(db):
        tenant = Tenant(slug=f"handover-{uuid.uuid4().hex[:8]}", name="Handover Oy", licence={})
        db.add(tenant)
        db.flush()
        enable_plugin(db, myynti_registry, tenant, "messaging", with_dependencies=True)
        db.add(
            MailSettings(
                tenant_id=tenant.id,
                smtp_host="127.0.0.1",
                smtp_port=smtp.port,
                smtp_security=Security.NONE,
                from_address="myynti@handover.example",
            )
        )
        message = Message(
            tenant_id=tenant.id,
            to=["asiakas@example.org"],
            subject="Tarjous",
            body_text="Hei!",
            message_id=tokens.message_id(settings, tenant.id, tokens.RecordRef("customer", 1)),
        )
        db.add(message)
        db.flush()
        ids = (tenant.id, message.id)
    try:
        yield queue, *ids
    finally:
        with queue.session() as db, db.begin(), all_tenants(db):
            db.execute(delete(Tenant).where(Tenant.id == ids[0]))


def run_send(queue, tenant_id, message_id, commit=True):
    """The send job as a worker runs it; without ``commit`` the worker dies before committing."""
    with queue.session() as db:
        set_tenant(db, tenant_id)
        db.begin()
        outbox.send(db, db.get(Tenant, tenant_id), {"message_id": message_id})
        if commit:
            db.commit()
        else:
            db.rollback()


def test_a_retry_after_a_crash_between_accept_and_commit_does_not_send_again(committed, smtp):
    queue, tenant_id, message_id = committed
    run_send(queue, tenant_id, message_id, commit=False)
    assert len(smtp.handler.received) == 1
    with queue.session() as db, all_tenants(db):
        assert db.get(Message, message_id).state == State.QUEUED  # the job's work was lost

    run_send(queue, tenant_id, message_id)  # the retry

    assert len(smtp.handler.received) == 1
    with queue.session() as db, all_tenants(db):
        message = db.get(Message, message_id)
        assert message.state == State.SENT and message.sent_at is not None
        assert db.scalar(select(func.count()).select_from(Handover)) == 0


def test_a_crash_before_the_handover_is_recorded_sends_again_with_the_same_message_id(
    jobdb, acme, smtp, monkeypatch
):
    """The limit, at least once: the copy a retry sends has the same Message-ID and Date."""
    real_deliver = delivery.deliver

    def deliver_then_die(*args, **kwargs):
        real_deliver(*args, **kwargs)
        monkeypatch.setattr(delivery, "deliver", real_deliver)
        raise RuntimeError("the worker died")

    monkeypatch.setattr(delivery, "deliver", deliver_then_die)
    send(jobdb, acme, subject="Tarjous", body="Hei!")
    run_jobs(jobdb, acme.tenant, outbox.SEND_JOB)
    run_jobs(jobdb, acme.tenant, outbox.SEND_JOB)

    first, second = (
        email.message_from_bytes(got.data, policy=policy.default) for got in smtp.handler.received
    )
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Date"] == second["Date"]
    [message] = jobdb.scalars(select(Message))
    assert message.state == State.SENT and message.message_id == first["Message-ID"]
