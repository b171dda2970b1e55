"""Who gets the tasks, and the campaign's results as its page shows them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import set_tenant
from core.models import Event, utcnow
from plugins.campaigns.models import Campaign
from plugins.campaigns.results import results
from plugins.contacts.models import ContactRequest
from plugins.workflow.board import LOCAL_TIME
from plugins.workflow.models import Activity, ActivityType, Task
from tests.campaigns.conftest import new_campaign, run_batches
from tests.campaigns.test_launch import post, tasks_of


def launched(webapp, wsgi_app, db, db_connection, shop, **values) -> Campaign:
    campaign = new_campaign(db, shop, **values)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, shop.tenant)
    return campaign


def test_round_robin_gives_the_team_tasks_in_turns(webapp, wsgi_app, db, db_connection, as_maija):
    shop = as_maija
    campaign = launched(
        webapp, wsgi_app, db, db_connection, shop, assignment="round_robin", team_id=shop.team.id
    )
    made = tasks_of(db, campaign)
    turns = Counter(t.responsible_user_id for t in made)
    assert turns == {shop.users["maija"].id: 2, shop.users["pekka"].id: 2}
    assert {t.team_id for t in made} == {shop.team.id}


def test_least_busy_gives_tasks_to_whoever_has_fewest_open(
    webapp, wsgi_app, db, db_connection, as_maija
):
    shop = as_maija
    set_tenant(db, shop.tenant.id)
    for number in range(3):
        db.add(
            Task(
                workflow_id=shop.workflow.id,
                stage_id=shop.stages["new"].id,
                title=f"Kiire {number}",
                responsible_user_id=shop.users["maija"].id,
            )
        )
    db.flush()
    campaign = launched(
        webapp, wsgi_app, db, db_connection, shop, assignment="least_busy", team_id=shop.team.id
    )
    turns = Counter(t.responsible_user_id for t in tasks_of(db, campaign))
    # Pekka had none: he gets three before Maija (three open already) gets her one.
    assert turns == {shop.users["pekka"].id: 3, shop.users["maija"].id: 1}


def test_one_user_gets_every_task_due_as_the_rule_says(
    webapp, wsgi_app, db, db_connection, as_maija
):
    shop = as_maija
    campaign = launched(
        webapp,
        wsgi_app,
        db,
        db_connection,
        shop,
        assignment="user",
        assignee_user_id=shop.users["anna"].id,
        due_days=14,
    )
    made = tasks_of(db, campaign)
    assert {t.responsible_user_id for t in made} == {shop.users["anna"].id}
    assert len({t.due_date for t in made}) == 1
    # Days count in Finland: between 22 and 24 UTC the task was made on the next day there.
    made_on = made[0].created_at.astimezone(LOCAL_TIME).date()
    assert made[0].due_date - made_on == timedelta(days=14)


def test_results_count_stages_won_lost_activities_and_requests(
    webapp, wsgi_app, db, db_connection, as_maija
):
    shop = as_maija
    campaign = launched(
        webapp, wsgi_app, db, db_connection, shop, landing_page="https://acme.example/kevat"
    )
    made = tasks_of(db, campaign)
    now = utcnow()
    made[0].stage_id, made[0].closed_at = shop.stages["won"].id, now
    made[0].expected_value = Decimal("1200.50")
    made[1].stage_id, made[1].closed_at = shop.stages["lost"].id, now
    made[1].lost_reason = "Liian kallis"
    activity_type = db.scalars(select(ActivityType).order_by(ActivityType.id)).first()
    db.add(Activity(task_id=made[2].id, type_id=activity_type.id, subject="Soitto", done_at=now))
    db.add(Activity(task_id=made[3].id, type_id=activity_type.id, subject="Tuleva"))
    # A reply received on a task of the campaign, and a reply on a task outside it.
    db.add(Event(entity="task", record_id=made[2].id, kind="message_in"))
    other = Task(workflow_id=shop.workflow.id, stage_id=shop.stages["new"].id, title="Muu")
    db.add(other)
    db.flush()
    db.add(Event(entity="task", record_id=other.id, kind="message_in"))
    db.add(ContactRequest(name="Lea", extra={"page": "https://acme.example/kevat?utm=x"}))
    db.add(ContactRequest(name="Muu", extra={"page": "https://acme.example/muu"}))
    db.flush()
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}", headers={"Accept-Language": "fi"})
    result = {dd["data-result"]: dd.get_text() for dd in page.html.select("[data-result]")}
    assert result["targets"] == "4"
    assert result["won"] == "1, 1\u00a0200,50\u00a0€"
    assert result["lost"] == "1"
    assert result["activities"] == "1"
    assert result["requests"] == "1"
    assert result["replies"] == "1"
    assert result["tasks"] == "4"
    stages = {
        int(tr["data-stage"]): tr.select("td")[1].get_text()
        for tr in page.html.select("table.stages tr[data-stage]")
    }
    assert stages == {
        shop.stages["new"].id: "2",
        shop.stages["won"].id: "1",
        shop.stages["lost"].id: "1",
    }
    values = {
        int(tr["data-stage"]): tr.select("td")[2].get_text()
        for tr in page.html.select("table.stages tr[data-stage]")
    }
    assert values[shop.stages["won"].id] == "1\u00a0200,50\u00a0€"
    reasons = [
        [td.get_text() for td in tr.select("td")]
        for tr in page.html.select("table.lost-reasons tr")
    ]
    assert reasons == [["Liian kallis", "1"]]
    weeks = page.html.select("table.won-by-week tr")
    assert [tr.select("td")[1].get_text() for tr in weeks] == ["1"]
    day = now.astimezone(LOCAL_TIME).date()
    db.refresh(campaign)
    assert results(db, campaign).won_by_week == [(day - timedelta(days=day.weekday()), 1)]
