"""Group sends: count and sample first, consent respected, unsubscribe without login, progress."""

from __future__ import annotations

import email
import time
from datetime import datetime
from email import policy

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from core.db import all_tenants
from core.jobs import enqueue
from core.models import Event, Job, as_utc, utcnow
from core.testing import run_jobs
from plugins.contacts.models import ContactPerson, CustomerTag
from plugins.messaging.groups import GROUP_JOB
from plugins.messaging.models import GroupSend, MailSettings, Message, State, Template
from plugins.messaging.outbox import MESSAGE_OUT, SEND_JOB
from tests.messaging.conftest import as_tenant
from tests.messaging.test_templates import add_template


@pytest.fixture
def crowd(acme, db):
    """Acme's customer tagged "kevät" with five more people: three consented, one without e-mail."""
    with all_tenants(db):
        db.add(CustomerTag(tenant_id=acme.tenant.id, customer_id=acme.customer.id, tag="kevät"))
        people = []
        for number, (consent, address) in enumerate(
            [
                (True, "a@virtanen.example"),
                (True, "b@virtanen.example"),
                (True, None),
                (False, "d@virtanen.example"),
                (True, "e@virtanen.example"),
            ]
        ):
            person = ContactPerson(
                tenant_id=acme.tenant.id,
                customer_id=acme.customer.id,
                name=f"Henkilö {number}",
                email=address,
                marketing_consent=consent,
            )
            db.add(person)
            people.append(person)
        db.flush()
    add_template(
        db,
        acme,
        subject="Kevätale",
        body="Hei {{ contact.first_name }}, kevätale alkaa!",
        key="kevat",
    )
    return people


@pytest.fixture
def as_anna(webapp, acme, login):
    login(webapp, "anna@acme.example")
    return acme


def test_a_group_send_previews_the_count_and_one_message_and_respects_consent(
    webapp, as_anna, crowd, jobdb, smtp
):
    form = webapp.get("/t/acme/messages/group").forms["group-form"]
    form["audience"] = "contact_person"
    form["tag"] = "kevät"
    form["template"] = "kevat"
    page = form.submit("preview")
    preview = BeautifulSoup(page.text, "html.parser").select_one(".group-preview")
    # Ville (no consent), the one without an address and the one without consent are left out.
    assert preview["data-count"] == "3"
    assert preview["data-skipped"] == "3"
    assert "Hei Henkilö, kevätale alkaa!" in preview.text
    with all_tenants(jobdb):
        assert list(jobdb.scalars(select(Message))) == []

    with all_tenants(jobdb):
        jobdb.get(MailSettings, as_anna.settings.id).per_minute = 6000  # 10 ms apart
        jobdb.flush()
    done = page.forms["group-form"].submit("confirm", status=303).follow()
    with all_tenants(jobdb):
        [group] = jobdb.scalars(select(GroupSend))
    run_jobs(jobdb, as_anna.tenant, GROUP_JOB)
    time.sleep(0.05)
    run_jobs(jobdb, as_anna.tenant, SEND_JOB)
    delivered = sorted(r for got in smtp.handler.received for r in got.rcpt_tos)
    assert delivered == ["a@virtanen.example", "b@virtanen.example", "e@virtanen.example"]
    mail = email.message_from_bytes(smtp.handler.received[0].data, policy=policy.default)
    assert mail["List-Unsubscribe"].startswith("<http://localhost/u/")
    assert "Peru tilaus" in mail.get_body(("plain",)).get_content()
    for person in (crowd[0], crowd[1], crowd[4]):
        assert jobdb.scalar(
            select(Event).where(
                Event.entity == "contact_person",
                Event.record_id == person.id,
                Event.kind == MESSAGE_OUT,
            )
        )
    progress = webapp.get(f"/t/acme/messages/groups/{group.id}")
    soup = BeautifulSoup(progress.text, "html.parser")
    assert soup.select_one("[data-sent]")["data-sent"] == "3"
    assert done.status_int == 200


def test_the_unsubscribe_link_works_without_login_and_is_recorded(
    webapp, as_anna, crowd, jobdb, smtp
):
    form = webapp.get(
        "/t/acme/messages/group",
        {"audience": "contact_person", "tag": "kevät", "template": "kevat", "marketing": "1"},
    ).forms["group-form"]
    form.submit("confirm", status=303)
    run_jobs(jobdb, as_anna.tenant, GROUP_JOB)
    run_jobs(jobdb, as_anna.tenant, SEND_JOB)
    mail = next(
        email.message_from_bytes(got.data, policy=policy.default)
        for got in smtp.handler.received
        if got.rcpt_tos == ["a@virtanen.example"]
    )
    link = mail["List-Unsubscribe"].strip("<>").replace("http://localhost", "")
    webapp.get("/logout", status="*")
    webapp.reset()
    page = webapp.get(link)
    assert "Acme Oy" in page.text
    page.forms["unsubscribe-form"].submit()
    person = jobdb.get(ContactPerson, crowd[0].id)
    jobdb.refresh(person)
    assert person.marketing_consent is False
    assert person.consent_source == "unsubscribe link"
    assert jobdb.scalar(
        select(Event).where(
            Event.entity == "contact_person",
            Event.record_id == person.id,
            Event.kind == "unsubscribed",
        )
    )
    # A one-click unsubscribe (RFC 8058) is a POST without a page.
    webapp.post(link, {"List-Unsubscribe": "One-Click"})


def test_a_forged_or_altered_unsubscribe_link_changes_nothing(webapp, acme, crowd, jobdb):
    person = crowd[0]
    webapp.get(f"/u/{acme.tenant.id}.contact_person-{person.id}-0123456789abcdef", status=404)
    webapp.post(f"/u/{acme.tenant.id}.contact_person-{person.id}-0123456789abcdef", status=404)
    webapp.get("/u/nonsense", status=404)
    as_tenant(jobdb, acme.tenant)
    stored = jobdb.get(ContactPerson, person.id)
    jobdb.refresh(stored)
    assert stored.marketing_consent is True


def test_a_group_send_without_a_template_or_recipients_says_so(webapp, as_anna, crowd):
    page = webapp.get(
        "/t/acme/messages/group", {"audience": "customer", "template": "", "marketing": "1"}
    )
    assert (
        "Choose a template."
        in BeautifulSoup(page.text, "html.parser").select_one("#template-error").text
    )
    page = webapp.get(
        "/t/acme/messages/group", {"audience": "customer", "template": "kevat", "marketing": "1"}
    )
    assert "Nobody on the list" in page.text  # the customer has not agreed to marketing


def test_group_sends_are_for_admins_and_another_tenant_s_is_not_found(
    webapp, acme, beta, login, db
):
    with all_tenants(db):
        other = GroupSend(tenant_id=beta.tenant.id, template_key="x", audience="customer")
        db.add(other)
        db.flush()
    login(webapp, "maija@acme.example")
    webapp.get("/t/acme/messages/group", status=403)
    webapp.get("/logout", status="*")
    login(webapp, "anna@acme.example")
    webapp.get(f"/t/acme/messages/groups/{other.id}", status=404)


def test_a_scheduled_group_send_waits_for_its_time(webapp, as_anna, crowd, jobdb, smtp):
    page = webapp.get(
        "/t/acme/messages/group",
        {"audience": "contact_person", "tag": "kevät", "template": "kevat", "marketing": "1"},
    )
    form = page.forms["group-form"]
    form["send_at"] = "1.1.2099 09.00"
    form.submit("confirm", status=303)
    run_jobs(jobdb, as_anna.tenant, GROUP_JOB)
    messages = list(jobdb.scalars(select(Message)))
    assert len(messages) == 3 and all(m.state == State.QUEUED for m in messages)
    assert all(m.send_after.year == 2099 for m in messages)
    run_jobs(jobdb, as_anna.tenant, SEND_JOB)
    assert smtp.handler.received == []
    bad = webapp.get(
        "/t/acme/messages/group",
        {"audience": "contact_person", "template": "kevat", "send_at": "huomenna"},
    )
    assert "Enter the time" in bad.text


def test_a_group_send_is_throttled_to_the_tenant_s_messages_per_minute(
    webapp, as_anna, crowd, jobdb, smtp
):
    with all_tenants(jobdb):
        jobdb.get(MailSettings, as_anna.settings.id).per_minute = 2
        jobdb.flush()
    webapp.get(
        "/t/acme/messages/group",
        {"audience": "contact_person", "tag": "kevät", "template": "kevat", "marketing": "1"},
    ).forms["group-form"].submit("confirm", status=303)
    run_jobs(jobdb, as_anna.tenant, GROUP_JOB)
    run_jobs(jobdb, as_anna.tenant, SEND_JOB)
    assert len(smtp.handler.received) == 1  # the others are due 30 and 60 seconds later
    with all_tenants(jobdb):
        waiting = sorted(
            as_utc(job.run_after)
            for job in jobdb.scalars(
                select(Job).where(Job.name == SEND_JOB, Job.state == "pending")
            )
        )
    assert len(waiting) == 2
    assert 25 < (waiting[1] - waiting[0]).total_seconds() < 35


def confirm_group(webapp):
    webapp.get(
        "/t/acme/messages/group",
        {"audience": "contact_person", "tag": "kevät", "template": "kevat", "marketing": "1"},
    ).forms["group-form"].submit("confirm", status=303)


def send_times(jobdb, tenant_id):
    with all_tenants(jobdb):
        messages = jobdb.scalars(
            select(Message).where(Message.tenant_id == tenant_id).order_by(Message.id)
        )
        return [(m.group_id, as_utc(m.send_after) if m.send_after else None) for m in messages]


def test_two_group_sends_at_once_keep_to_the_tenant_s_rate_together(
    webapp, as_anna, crowd, jobdb, beta, smtp
):
    with all_tenants(jobdb):
        jobdb.get(MailSettings, as_anna.settings.id).per_minute = 2  # 30 seconds apart
        jobdb.flush()
    confirm_group(webapp)
    confirm_group(webapp)
    # Beta sends at the same time: its own rate, not after Acme's messages.
    with all_tenants(jobdb):
        jobdb.add(
            MailSettings(
                tenant_id=beta.tenant.id,
                smtp_host="127.0.0.1",
                from_address="myynti@beta.example",
                per_minute=2,
            )
        )
        jobdb.add(
            Template(
                tenant_id=beta.tenant.id, key="kevat", name="Kevät", subject="Ale", body="Hei!"
            )
        )
        jobdb.get(ContactPerson, beta.person.id).marketing_consent = True
        beta_group = GroupSend(
            tenant_id=beta.tenant.id,
            template_key="kevat",
            audience="contact_person",
            recipient_ids=[beta.person.id],
        )
        jobdb.add(beta_group)
        jobdb.flush()
        enqueue(jobdb, beta.tenant, GROUP_JOB, {"group_id": beta_group.id})
    before = utcnow()
    run_jobs(jobdb, as_anna.tenant, GROUP_JOB)
    run_jobs(jobdb, beta.tenant, GROUP_JOB)

    acme_times = send_times(jobdb, as_anna.tenant.id)
    first, second = sorted({group for group, _when in acme_times})
    assert [group for group, _when in acme_times] == [first] * 3 + [second] * 3
    assert acme_times[0][1] is None  # the first goes now
    due = [before] + [when for _group, when in acme_times[1:]]
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(due, due[1:], strict=False)]
    assert all(29 < gap < 35 for gap in gaps), gaps
    assert send_times(jobdb, beta.tenant.id) == [(beta_group.id, None)]

    progress = BeautifulSoup(
        webapp.get(f"/t/acme/messages/groups/{second}").text, "html.parser"
    ).select_one(".group-rate")
    assert progress["data-per-minute"] == "2"
    last_due = datetime.fromisoformat(progress.select_one("[data-last-due]")["data-last-due"])
    assert abs((last_due - acme_times[-1][1]).total_seconds()) < 1


def test_a_group_send_s_messages_reach_the_server_no_faster_than_the_rate(
    webapp, as_anna, crowd, jobdb, smtp
):
    with all_tenants(jobdb):
        jobdb.get(MailSettings, as_anna.settings.id).per_minute = 300  # 0.2 seconds apart
        jobdb.flush()
    confirm_group(webapp)
    confirm_group(webapp)
    before = utcnow()
    run_jobs(jobdb, as_anna.tenant, GROUP_JOB)
    deadline = time.monotonic() + 20
    while len(smtp.handler.received) < 6 and time.monotonic() < deadline:
        run_jobs(jobdb, as_anna.tenant, SEND_JOB)
        time.sleep(0.02)
    assert len(smtp.handler.received) == 6
    with all_tenants(jobdb):
        messages = sorted(jobdb.scalars(select(Message)), key=lambda m: as_utc(m.sent_at))
    # None went before its time: the last of the six five intervals after the first's.
    assert all(m.send_after is None or m.sent_at >= m.send_after for m in messages)
    assert (as_utc(messages[-1].sent_at) - before).total_seconds() >= 1.0
