"""A launch's tasks, written with bulk SQL, still reach the summaries, the counts and the webhooks.

The reports keep their summaries with ORM listeners and the API makes webhook
deliveries from a flush's new events; a campaign's batch writes its tasks and
history with Core ``INSERT``s, which raise neither, and announces them with
``myynti_records_created_in_bulk``. The summaries and workflow's open task
counts then equal the GROUP BY over the tasks, also after a campaign task is
won on the board (its share, now counted, is what the win takes away), and a
webhook subscriber gets each campaign task's *created* and each customer's
*joined* event.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from core.db import set_tenant
from core.models import JobState, Tenant
from core.testing import csrf_token, run_jobs
from plugins.api.webhooks.events import JOB
from plugins.campaigns.batches import LAUNCH_BATCH
from plugins.reports import pipeline_summary, summary
from plugins.reports.models import PipelineAge, PipelineCell, SalesDay
from plugins.workflow.models import Task
from tests.api.test_webhooks import Receiver, receiver, subscribe  # noqa: F401 - a fixture
from tests.campaigns.conftest import add_customer, make_shop, new_campaign, run_batches
from tests.campaigns.test_launch import post, tasks_of
from tests.reports.test_open_summaries import _assert_pipeline_matches_tasks, _summary_rows
from tests.workflow.test_open_counts import assert_counts_match

SUMMARIES = ((PipelineCell, "tasks"), (PipelineAge, "tasks"), (SalesDay, "tasks"))


def _summaries(db: Any) -> dict[Any, list[tuple[Any, ...]]]:
    """The summaries' rows; days to close to a second (SQLite's ``julianday`` is not exact)."""
    return {
        model: [
            tuple(round(v, 5) if isinstance(v, float) else v for v in row)
            for row in _summary_rows(db, model, measure)
        ]
        for model, measure in SUMMARIES
    }


def _assert_summaries_match_tasks(db: Any, tenant_id: int) -> None:
    """The pipeline read from the summary and the open task counts are the GROUP BY's, and a
    rebuild changes no row."""
    assert_counts_match(db, db.get(Tenant, tenant_id))
    set_tenant(db, tenant_id)
    _assert_pipeline_matches_tasks(db)
    kept = _summaries(db)
    pipeline_summary.rebuild(db.connection(), tenant_id)
    summary.rebuild(db.connection(), tenant_id)
    assert _summaries(db) == kept


def test_launched_tasks_are_in_the_summaries_and_a_won_one_moves_out(
    webapp, wsgi_app, db, db_connection, as_maija
):
    shop = as_maija
    campaign = new_campaign(db, shop)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    assert run_batches(db_connection, wsgi_app, shop.tenant) == 1
    made = tasks_of(db, campaign)
    assert len(made) == 4
    set_tenant(db, shop.tenant.id)
    in_new = db.scalar(
        select(PipelineCell.tasks).where(
            PipelineCell.stage_id == shop.stages["new"].id,
            PipelineCell.user_id == shop.users["maija"].id,
        )
    )
    assert in_new == 3  # Delta Oy's task went to Pekka, its responsible person
    _assert_summaries_match_tasks(db, shop.tenant.id)
    # Won on the board: out of the pipeline, into the sales, no figure below zero.
    task = made[0]
    moved = webapp.post(
        f"/t/acme/board/tasks/{task.id}/move",
        {
            "csrf_token": csrf_token(webapp),
            "stage_id": str(shop.stages["won"].id),
            "version": str(task.version),
        },
        headers={"Accept": "application/json"},
    )
    assert moved.json["ok"] is True
    db.expire_all()
    assert db.get(Task, task.id).closed_at is not None
    _assert_summaries_match_tasks(db, shop.tenant.id)
    assert all(row[-3] >= 0 for model, _m in SUMMARIES for row in _summary_rows(db, model, "tasks"))


def test_targets_added_later_are_summed_once(webapp, wsgi_app, db, db_connection, as_maija):
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    add_customer(db, as_maija, "Uusi Oy", "Helsinki")
    post(webapp, f"/t/acme/campaigns/{campaign.id}/add-targets")
    run_batches(db_connection, wsgi_app, as_maija.tenant)
    assert len(tasks_of(db, campaign)) == 5
    _assert_summaries_match_tasks(db, as_maija.tenant.id)


def test_a_webhook_gets_the_created_and_joined_events_of_a_launch(
    webapp,
    db,
    job_db,
    login,
    make_tenant,
    make_user,
    receiver: Receiver,  # noqa: F811 - the fixture imported above
):
    shop = make_shop(db, make_tenant, make_user, "acme", ("campaigns", "api"))
    for name in ("Aalto Oy", "Bertta Oy"):
        add_customer(db, shop, name, "Helsinki")
    add_customer(db, shop, "Eetu Oy", "Tampere")
    login(webapp, "anna@acme.example")
    subscribe(webapp, receiver.url, ["created", "campaign_joined"])
    campaign = new_campaign(db, shop)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    assert [job.state for job in run_jobs(job_db, shop.tenant, LAUNCH_BATCH)] == [JobState.DONE]
    made = tasks_of(db, campaign)
    ran = run_jobs(job_db, shop.tenant, JOB)
    assert [job.state for job in ran] == [JobState.DONE] * 4
    posted = [json.loads(body) for _headers, body in receiver.received]
    assert sorted((p["event"], p["record_id"]) for p in posted) == sorted(
        [("task.created", t.id) for t in made]
        + [("customer.campaign_joined", t.customer_id) for t in made]
    )
    created = next(p for p in posted if p["record_id"] == made[0].id)
    assert created["data"] == {"text": made[0].title, "campaign_id": campaign.id}
    assert created["tenant"] == "acme"
    assert created["actor"] == "Anna"
    assert len({p["id"] for p in posted}) == 4
    assert run_jobs(job_db, shop.tenant, JOB) == []


def test_a_launch_without_subscriptions_makes_no_deliveries(webapp, db, job_db, as_maija):
    campaign = new_campaign(db, as_maija)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_jobs(job_db, as_maija.tenant, LAUNCH_BATCH)
    assert len(tasks_of(db, campaign)) == 4
    assert run_jobs(job_db, as_maija.tenant, JOB) == []
