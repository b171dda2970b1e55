"""Digests: a user subscribes; the hourly job mails what others changed in their tasks."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.history import record_event
from core.models import User, utcnow
from core.testing import csrf_token, run_jobs
from plugins.messaging.digests import DIGEST_JOB, due_subscriptions
from plugins.messaging.models import DigestSubscription
from plugins.messaging.outbox import SEND_JOB
from plugins.workflow.models import Task
from tests.messaging.conftest import as_tenant


def subscribe(webapp, login, frequency):
    login(webapp, "maija@acme.example")
    form = webapp.get("/t/acme/messages/digest").forms["digest-form"]
    form["frequency"] = frequency
    form.submit(status=303)


@pytest.mark.parametrize(
    ("locale", "subject"), [("fi", "Muutokset tehtävissäsi"), ("sv", "Ändringar i dina uppgifter")]
)
def test_a_daily_digest_lists_what_others_changed_in_my_tasks(
    webapp, acme, login, jobdb, smtp, locale, subject
):
    subscribe(webapp, login, "daily")
    tenant = as_tenant(jobdb, acme.tenant)
    with all_tenants(jobdb):
        jobdb.get(User, acme.maija.id).locale = locale
    task = jobdb.get(Task, acme.task.id)
    task.responsible_user_id = acme.maija.id
    [subscription] = jobdb.scalars(select(DigestSubscription))
    subscription.sent_until = utcnow() - timedelta(days=1, minutes=1)
    record_event(jobdb, "task", task.id, "comment", {"text": "Asiakas soitti"}, user=acme.anna)
    record_event(jobdb, "task", task.id, "comment", {"text": "Oma muistiinpano"}, user=acme.maija)
    jobdb.flush()

    with all_tenants(jobdb):
        assert due_subscriptions(jobdb) == 1
    run_jobs(jobdb, tenant, DIGEST_JOB)
    run_jobs(jobdb, tenant, SEND_JOB)
    [got] = smtp.handler.received
    assert got.rcpt_tos == ["maija@acme.example"]
    mail = email.message_from_bytes(got.data, policy=policy.default)
    text = mail.get_content()
    assert "Uusi katto" in text and "Asiakas soitti" in text and "Anna Admin" in text
    assert "Oma muistiinpano" not in text
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Subject"] == f"{subject} – {acme.tenant.name}", "in the recipient's language"

    # The next run in the same day starts nothing.
    with all_tenants(jobdb):
        assert due_subscriptions(jobdb) == 0


def test_unsubscribing_from_the_digest_and_a_bad_choice(webapp, acme, login, jobdb):
    subscribe(webapp, login, "hourly")
    form = webapp.get("/t/acme/messages/digest").forms["digest-form"]
    form["frequency"] = ""
    form.submit(status=303)
    with all_tenants(jobdb):
        assert jobdb.scalars(select(DigestSubscription)).all() == []
    response = webapp.post(
        "/t/acme/messages/digest",
        {"csrf_token": csrf_token(webapp), "frequency": "every minute"},
        status=400,
    )
    assert "Choose how often." in response.text
