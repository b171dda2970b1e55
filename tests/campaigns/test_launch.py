"""Launching a campaign: the snapshot, tasks made in batches, twice-clicked, killed, paused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.models import Event, utcnow
from core.testing import csrf_token
from plugins.campaigns import batches
from plugins.campaigns.models import Campaign, CampaignState, CampaignTarget
from plugins.contacts.models import Customer
from plugins.workflow.models import Task, TaskSource
from tests.campaigns.conftest import add_customer, new_campaign, pending_batches, run_batches


def post(app, url, status=None, **data):
    return app.post(url, {"csrf_token": csrf_token(app), **data}, status=status)


def tasks_of(db, campaign) -> list[Task]:
    set_tenant(db, campaign.tenant_id)
    ids = select(CampaignTarget.task_id).where(CampaignTarget.campaign_id == campaign.id)
    return list(
        db.scalars(
            select(Task)
            .where(Task.id.in_(ids))
            .order_by(Task.id)
            .execution_options(populate_existing=True)
        )
    )


def fresh(db, campaign) -> Campaign:
    db.expire_all()
    return db.get(Campaign, campaign.id)


def test_launch_snapshots_the_group_and_creates_a_task_for_each(
    webapp, wsgi_app, db, db_connection, as_maija
):
    shop = as_maija
    campaign = new_campaign(db, shop)
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/launch").follow()
    assert "tasks are being created for 4 targets" in page.text
    assert page.html.select_one("progress")["value"] == "0"
    # Later changes to customers do not change who is in it.
    add_customer(db, shop, "Myöhäinen Oy", "Helsinki")
    assert run_batches(db_connection, wsgi_app, shop.tenant) == 1
    made = tasks_of(db, campaign)
    assert sorted(t.title for t in made) == [
        "Kevätkampanja: Aalto Oy",
        "Kevätkampanja: Bertta Oy",
        "Kevätkampanja: Cedar Oy",
        "Kevätkampanja: Delta Oy",
    ]
    assert {t.stage_id for t in made} == {shop.stages["new"].id}
    assert {t.source for t in made} == {TaskSource.CAMPAIGN}
    # The customer's responsible person, else the campaign's owner.
    by_customer = {t.customer_id: t for t in made}
    assert by_customer[shop.customers["Delta Oy"].id].responsible_user_id == shop.users["pekka"].id
    assert by_customer[shop.customers["Aalto Oy"].id].responsible_user_id == shop.users["maija"].id
    assert (
        by_customer[shop.customers["Aalto Oy"].id].contact_person_id == shop.people["Aino Aalto"].id
    )
    campaign = fresh(db, campaign)
    assert campaign.state == CampaignState.FINISHED
    assert (campaign.targets_done, campaign.targets_total) == (4, 4)
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-result=tasks]").get_text() == "4"
    # Each task's history says it was created, each customer's that it joined the campaign.
    with all_tenants(db):
        joined = db.scalars(
            select(Event.record_id).where(
                Event.kind == "campaign_joined", Event.tenant_id == shop.tenant.id
            )
        ).all()
        created = db.scalar(
            select(func.count()).where(
                Event.entity == "task",
                Event.kind == "created",
                Event.record_id.in_([t.id for t in made]),
            )
        )
        payloads = {
            (e.entity, e.record_id): e.payload
            for e in db.scalars(select(Event).where(Event.tenant_id == shop.tenant.id))
        }
    assert sorted(joined) == sorted(t.customer_id for t in made)
    assert created == 4
    # The events say what record_event would: the task's title, the campaign and its task.
    aalto_task = by_customer[shop.customers["Aalto Oy"].id]
    assert payloads["task", aalto_task.id] == {
        "text": "Kevätkampanja: Aalto Oy",
        "campaign_id": campaign.id,
    }
    assert payloads["customer", shop.customers["Aalto Oy"].id] == {
        "text": "Kevätkampanja",
        "campaign_id": campaign.id,
        "task_id": aalto_task.id,
    }
    customer_page = webapp.get(f"/t/acme/customers/{shop.customers['Aalto Oy'].id}")
    panel = customer_page.html.select_one("[data-panel=campaigns-customer]")
    assert "Kevätkampanja" in panel.get_text()
    assert "Kevätkampanja: Aalto Oy" in panel.get_text()


def test_a_launch_clicked_twice_gives_one_set_of_tasks(
    webapp, wsgi_app, db, db_connection, as_maija
):
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/launch").follow()
    assert "already been launched" in page.text
    assert len(pending_batches(db, as_maija.tenant)) == 1
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    assert len(tasks_of(db, campaign)) == 4


def test_a_group_that_matches_nothing_is_not_launched(webapp, db, as_maija):
    campaign = new_campaign(db, as_maija, filters={"city": "Oulu"})
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/launch").follow()
    assert "matches no customers, so there is nothing to launch" in page.text
    assert fresh(db, campaign).state == CampaignState.DRAFT
    assert pending_batches(db, as_maija.tenant) == []


def test_a_worker_killed_mid_launch_resumes_without_duplicates(
    webapp, wsgi_app, db, db_connection, as_maija, monkeypatch
):
    """A batch rolled back half-way (the worker died), and a batch run twice, make no duplicates."""
    monkeypatch.setattr(batches, "BATCH_SIZE", 2)
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    job = pending_batches(db, as_maija.tenant)[0]
    queue = wsgi_app.registry.myynti_jobs
    # The worker dies after the first batch's tasks are written but before it commits.
    from core.db import TenantSession
    from core.jobs.outbox import QUEUE_KEY
    from core.models import Tenant

    session = TenantSession(
        bind=db_connection, join_transaction_mode="create_savepoint", info={QUEUE_KEY: queue}
    )
    set_tenant(session, as_maija.tenant.id)
    batches.run_batch(session, session.get(Tenant, as_maija.tenant.id), job.payload)
    session.flush()
    session.rollback()
    session.close()
    assert tasks_of(db, campaign) == []
    # Run again; and the first batch's message delivered twice runs it once more.
    assert run_batches(db_connection, wsgi_app, as_maija.tenant) == 3
    session = TenantSession(
        bind=db_connection, join_transaction_mode="create_savepoint", info={QUEUE_KEY: queue}
    )
    set_tenant(session, as_maija.tenant.id)
    batches.run_batch(session, session.get(Tenant, as_maija.tenant.id), job.payload)
    session.commit()
    session.close()
    made = tasks_of(db, campaign)
    assert len(made) == 4
    assert len({t.customer_id for t in made}) == 4
    assert fresh(db, campaign).targets_done == 4


def test_pause_stops_the_batches_and_resume_goes_on(
    webapp, wsgi_app, db, db_connection, as_maija, monkeypatch
):
    monkeypatch.setattr(batches, "BATCH_SIZE", 2)
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, as_maija.tenant, limit=1)
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/pause").follow()
    assert "Creating tasks was paused." in page.text
    assert page.html.select_one("[data-state]")["data-state"] == "paused"
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    assert len(tasks_of(db, campaign)) == 2
    # A second pause is refused; resume starts one chain of batches, a second resume none.
    assert "not running" in post(webapp, f"/t/acme/campaigns/{campaign.id}/pause").follow().text
    post(webapp, f"/t/acme/campaigns/{campaign.id}/resume")
    assert "not paused" in post(webapp, f"/t/acme/campaigns/{campaign.id}/resume").follow().text
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    assert len(tasks_of(db, campaign)) == 4
    assert fresh(db, campaign).state == CampaignState.FINISHED


def test_targets_added_later_get_tasks_and_existing_ones_are_skipped(
    webapp, wsgi_app, db, db_connection, as_maija
):
    shop = as_maija
    campaign = new_campaign(db, shop)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, shop.tenant)
    add_customer(db, shop, "Uusi Oy", "Helsinki")
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/add-targets").follow()
    assert "1 new targets were added; 4 already in the campaign were skipped." in page.text
    run_batches(db_connection, wsgi_app, shop.tenant)
    made = tasks_of(db, campaign)
    assert len(made) == 5
    assert made[-1].customer_id == shop.customers["Uusi Oy"].id
    campaign = fresh(db, campaign)
    assert (campaign.targets_total, campaign.skipped, campaign.state) == (5, 4, "finished")
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/add-targets").follow()
    assert "No new customers match the target group." in page.text


def test_a_closed_campaign_makes_no_more_tasks(webapp, wsgi_app, db, db_connection, as_maija):
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/close").follow()
    assert "The campaign was closed." in page.text
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    assert tasks_of(db, campaign) == []
    assert "closed" in post(webapp, f"/t/acme/campaigns/{campaign.id}/add-targets").follow().text
    assert webapp.get(f"/t/acme/campaigns/{campaign.id}/edit").status_int == 303


def test_a_batch_of_another_tenants_campaign_does_nothing(wsgi_app, db, db_connection, acme, beta):
    """A forged job: acme's batch naming beta's campaign finds no campaign."""
    from core.jobs import enqueue

    set_tenant(db, beta.tenant.id)
    beta.campaign.state = CampaignState.RUNNING
    db.add(
        CampaignTarget(
            campaign_id=beta.campaign.id, customer_id=beta.customers["Beta Asiakas Oy"].id
        )
    )
    db.flush()
    session_db = db
    set_tenant(session_db, acme.tenant.id)
    from core.db import TenantSession
    from core.jobs.outbox import QUEUE_KEY

    session = TenantSession(
        bind=db_connection,
        join_transaction_mode="create_savepoint",
        info={QUEUE_KEY: wsgi_app.registry.myynti_jobs},
    )
    set_tenant(session, acme.tenant.id)
    enqueue(session, acme.tenant.id, batches.LAUNCH_BATCH, {"campaign_id": beta.campaign.id})
    session.commit()
    session.close()
    assert run_batches(db_connection, wsgi_app, acme.tenant) == 1
    with all_tenants(db):
        assert (
            db.scalar(
                select(func.count()).select_from(Task).where(Task.tenant_id == beta.tenant.id)
            )
            == 0
        )
        assert (
            db.scalar(select(Customer.id).where(Customer.tenant_id == beta.tenant.id)) is not None
        )


def test_the_campaign_pages_speak_finnish(webapp, db, as_maija):
    campaign = new_campaign(db, as_maija)
    fi = {"Accept-Language": "fi"}
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}", headers=fi)
    assert page.html.select_one("#campaign-launch button").get_text() == "Käynnistä"
    assert page.html.select_one("[data-state]").get_text() == "Luonnos"
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}/targets", headers=fi)
    assert "Kohdejoukko" in page.html.select_one("h1").get_text()
    page = webapp.post(
        f"/t/acme/campaigns/{campaign.id}/launch", {"csrf_token": csrf_token(webapp)}, headers=fi
    ).follow(headers=fi)
    assert "Kampanja käynnistettiin: tehtäviä luodaan 4 kohteelle." in page.text


def test_the_progress_bar_polls_done_and_total(webapp, wsgi_app, db, db_connection, as_maija):
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    bar = page.html.select_one("progress")
    assert bar["data-progress-url"].endswith(f"/t/acme/campaigns/{campaign.id}/progress")
    assert page.html.select_one("script[src$='progress.js']") is not None
    assert page.html.select_one("#campaign-results") is None, "no results while tasks are made"
    progress = webapp.get(bar["data-progress-url"]).json
    assert (progress["state"], progress["done"], progress["total"]) == ("running", 0, 4)
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    progress = webapp.get(bar["data-progress-url"]).json
    assert (progress["state"], progress["done"], progress["total"]) == ("finished", 4, 4)
    finished = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert finished.html.select_one("script[src$='progress.js']") is None


def test_a_stage_retired_mid_launch_pauses_it_and_says_why(
    webapp, wsgi_app, db, db_connection, as_maija
):
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    stage = as_maija.stages["new"]
    stage.retired_at = utcnow()
    db.flush()
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    assert tasks_of(db, campaign) == []
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-state]")["data-state"] == "paused"
    assert "The stage where tasks start is retired" in page.html.select_one("#launch-problems").text


@pytest.mark.parametrize("parallel", [1, 3])
def test_the_setting_says_how_many_batches_are_made_at_once(
    webapp, wsgi_app, db, as_maija, monkeypatch, parallel
):
    """``myynti.campaign_batches`` jobs start at once (4 targets, batches of one here)."""
    monkeypatch.setattr(batches, "BATCH_SIZE", 1)
    settings = wsgi_app.registry.myynti_jobs.settings
    monkeypatch.setitem(settings, "myynti.campaign_batches", str(parallel))
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    assert len(pending_batches(db, as_maija.tenant)) == parallel
