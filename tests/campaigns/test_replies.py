"""Replies received: messages the messaging plugin routed to the campaign's tasks, counted.

Campaigns never imports messaging; these tests run the real messaging plugin's
receiving (routing by the reply address's token) and read the campaign page.
"""

from __future__ import annotations

import email
import hashlib
from email import policy

import pytest
from sqlalchemy import select

from core.db import TenantSession, all_tenants, set_tenant
from core.models import Event, Tenant
from core.testing import run_jobs
from plugins.campaigns.models import CampaignTarget
from plugins.messaging import tokens
from plugins.messaging.models import MailSettings, Security, Template
from plugins.messaging.outbox import MESSAGE_OUT, SEND_JOB
from plugins.messaging.receiving import Incoming, store
from tests.campaigns.conftest import add_customer, make_shop, new_campaign, run_batches
from tests.campaigns.test_launch import post
from tests.messaging.conftest import smtp  # noqa: F401 - a fixture

OUR_ADDRESS = "myynti@acme.example"


@pytest.fixture
def jobdb(job_db: TenantSession) -> TenantSession:
    """A session as the mail-polling job has it (core.testing's ``job_db``)."""
    return job_db


@pytest.fixture
def messaging_shop(db, make_tenant, make_user, webapp, login):
    """Acme with campaigns and messaging, two customers in Helsinki; Maija signed in."""
    shop = make_shop(db, make_tenant, make_user, "acme", ("campaigns", "messaging"))
    add_customer(db, shop, "Aalto Oy", "Helsinki", "Aino Aalto", consent=True)
    add_customer(db, shop, "Bertta Oy", "Helsinki", "Bo Bertta")
    login(webapp, "maija@acme.example")
    return shop


def receive(jobdb, wsgi_app, shop, number: int, entity: str, record_id: int) -> None:
    """A mail to the reply address of ``entity`` ``record_id``, received as messaging does."""
    settings = wsgi_app.registry.settings
    to = tokens.reply_address(
        settings, shop.tenant.id, tokens.RecordRef(entity, record_id), OUR_ADDRESS
    )
    mail = Incoming(
        message_id=f"<reply-{number}@aalto.example>",
        sender="aino@example.fi",
        sender_name="Aino Aalto",
        to=[to],
        subject="Re: Kevätkampanja",
        text="Kiinnostaa, soittakaa.",
        content_hash=hashlib.sha256(str(number).encode()).hexdigest(),
    )
    set_tenant(jobdb, shop.tenant.id)
    tenant = jobdb.get(Tenant, shop.tenant.id)
    assert store(jobdb, tenant, settings, mail) is not None
    jobdb.flush()


def launched(webapp, wsgi_app, db, db_connection, shop):
    campaign = new_campaign(db, shop)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, shop.tenant)
    return campaign


def test_replies_routed_to_the_campaigns_tasks_are_counted(
    webapp, wsgi_app, db, db_connection, jobdb, messaging_shop
):
    shop = messaging_shop
    campaign = launched(webapp, wsgi_app, db, db_connection, shop)
    other = launched(webapp, wsgi_app, db, db_connection, shop)
    set_tenant(db, shop.tenant.id)
    task_of = {
        (t.campaign_id, t.customer_id): t.task_id
        for t in db.scalars(select(CampaignTarget).execution_options(populate_existing=True))
    }
    aalto = shop.customers["Aalto Oy"].id
    receive(jobdb, wsgi_app, shop, 1, "task", task_of[campaign.id, aalto])
    receive(jobdb, wsgi_app, shop, 2, "task", task_of[campaign.id, aalto])
    # Mail on the customer itself, or on another campaign's task, is not this campaign's reply.
    receive(jobdb, wsgi_app, shop, 3, "customer", aalto)
    receive(jobdb, wsgi_app, shop, 4, "task", task_of[other.id, aalto])
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-result=replies]").get_text() == "2"
    page = webapp.get(f"/t/acme/campaigns/{other.id}")
    assert page.html.select_one("[data-result=replies]").get_text() == "1"


def test_without_messaging_the_results_show_no_replies(
    webapp, wsgi_app, db, db_connection, as_maija
):
    campaign = launched(webapp, wsgi_app, db, db_connection, as_maija)
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-result=tasks]").get_text() == "4"
    assert page.html.select_one("[data-result=replies]").get_text() == "0"


def test_the_first_step_is_mailed_on_the_task_and_its_reply_counts(
    webapp,
    wsgi_app,
    db,
    db_connection,
    jobdb,
    messaging_shop,
    smtp,  # noqa: F811 - the fixture imported above
):
    """Through the real messaging plugin and a real SMTP server: the mail's Reply-To and
    Message-ID name the target's task, so the customer's reply lands on the task and the
    campaign counts it."""
    shop = messaging_shop
    with all_tenants(db):
        db.add_all(
            [
                MailSettings(
                    tenant_id=shop.tenant.id,
                    smtp_host="127.0.0.1",
                    smtp_port=smtp.port,
                    smtp_security=Security.NONE,
                    smtp_user="",
                    smtp_password="",
                    from_address=OUR_ADDRESS,
                    from_name="Acme Oy",
                    reply_address=OUR_ADDRESS,
                ),
                Template(
                    tenant_id=shop.tenant.id,
                    key="spring",
                    name="Kevättarjous",
                    subject="Kevään tarjous",
                    body="Hei, tässä kevään tarjous.",
                ),
            ]
        )
        db.flush()
    campaign = new_campaign(db, shop, message_template="spring")
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, shop.tenant)
    set_tenant(db, shop.tenant.id)
    targets = {
        t.customer_id: t
        for t in db.scalars(select(CampaignTarget).execution_options(populate_existing=True))
    }
    # Bertta's contact person gave no consent for marketing: not a target of a mailing.
    [aalto] = targets.values()
    assert (aalto.customer_id, aalto.message_state) == (shop.customers["Aalto Oy"].id, "sent")
    run_jobs(jobdb, shop.tenant, SEND_JOB)
    [got] = smtp.handler.received
    assert got.rcpt_tos == ["aino@example.fi"]
    mail = email.message_from_bytes(got.data, policy=policy.default)
    assert mail["Subject"] == "Kevään tarjous"
    settings = wsgi_app.registry.settings
    on_task = tokens.RecordRef("task", aalto.task_id)
    assert tokens.from_address(settings, shop.tenant.id, mail["Reply-To"]) == on_task
    assert tokens.from_message_ids(settings, shop.tenant.id, mail["Message-ID"]) == on_task
    with all_tenants(db):
        out = db.execute(
            select(Event.entity, Event.record_id).where(Event.kind == MESSAGE_OUT)
        ).all()
    assert out == [("task", aalto.task_id)]
    reply = Incoming(
        message_id="<re-1@aalto.example>",
        sender="aino@example.fi",
        sender_name="Aino Aalto",
        to=[mail["Reply-To"]],
        subject=f"Re: {mail['Subject']}",
        in_reply_to=mail["Message-ID"],
        text="Kiinnostaa, soittakaa.",
        content_hash=hashlib.sha256(b"re-1").hexdigest(),
    )
    set_tenant(jobdb, shop.tenant.id)
    assert store(jobdb, jobdb.get(Tenant, shop.tenant.id), settings, reply) is not None
    jobdb.flush()
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-result=messages-sent]").get_text() == "1"
    assert page.html.select_one("[data-result=replies]").get_text() == "1"
