"""Editing an activity: type, subject, assignee, due time and outcome, in the task's history.

Bad input is answered in Finnish next to its field, keeps what the user typed
and writes nothing; so does a stale version. Another tenant's activity is not found.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.models import Event
from plugins.workflow.models import Activity, Task
from tests.workflow.test_activities import add_task

FI = {"Accept-Language": "fi"}


def add_activity(db, acme, task: Task, **values) -> Activity:
    with all_tenants(db):
        activity = Activity(
            tenant_id=acme.tenant.id,
            task_id=task.id,
            type_id=acme.types["call"].id,
            subject="Soita ja sovi demo",
            assignee_user_id=acme.maija.id,
            # 12.30 UTC is 14.30 in Helsinki in December.
            due_at=datetime(2026, 12, 3, 12, 30, tzinfo=UTC),
            **values,
        )
        db.add(activity)
        db.flush()
    return activity


def stored(db, activity: Activity) -> tuple:
    """The row as stored now, as a tuple that compares before and after."""
    with all_tenants(db):
        query = select(Activity).where(Activity.id == activity.id)
        row = db.scalar(query.execution_options(populate_existing=True))
        due = row.due_at.replace(tzinfo=UTC) if row.due_at and not row.due_at.tzinfo else row.due_at
        return (row.type_id, row.subject, row.assignee_user_id, due, row.outcome, row.version)


def events(db, task: Task, kind: str = "activity_changed") -> list[Event]:
    with all_tenants(db):
        return list(
            db.scalars(
                select(Event)
                .where(Event.entity == "task", Event.record_id == task.id, Event.kind == kind)
                .order_by(Event.id)
            )
        )


def edit_form(webapp, activity: Activity, **values):
    form = webapp.get(f"/t/acme/activities/{activity.id}/edit", headers=FI).forms[
        "activity-edit-form"
    ]
    for key, value in values.items():
        form[key].force_value(value)
    return form


@pytest.fixture
def setup(db, as_maija):
    """Maija's task in her team, with one open call on it."""
    acme = as_maija
    task = add_task(db, acme, team=acme.team)
    return acme, task, add_activity(db, acme, task)


# --- saving -------------------------------------------------------------------------------


def test_the_form_shows_the_activitys_values(webapp, setup):
    acme, task, activity = setup
    page = webapp.get(f"/t/acme/tasks/{task.id}", headers=FI)
    link = page.html.select_one(f"[data-activity='{activity.id}'] a.activity-edit")
    assert link.get_text(strip=True) == "Muokkaa"
    form = webapp.get(link["href"], headers=FI).forms["activity-edit-form"]
    assert form["type_id"].value == str(acme.types["call"].id)
    assert form["subject"].value == "Soita ja sovi demo"
    assert form["assignee_user_id"].value == str(acme.maija.id)
    assert form["due_date"].value == "2026-12-03"
    assert form["due_time"].value == "14:30"
    assert form["version"].value == str(activity.version)


def test_an_edit_is_saved_and_shown_on_the_task_page(webapp, db, setup):
    acme, task, activity = setup
    first_version = activity.version
    form = edit_form(
        webapp,
        activity,
        type_id=str(acme.types["meeting"].id),
        subject="Tapaaminen asiakkaalla",
        due_date="4.12.2026",
        due_time="9.15",
        outcome="Sovittiin tarjous",
    )
    response = form.submit(headers=FI, status=303)
    assert response.location.endswith(f"/t/acme/tasks/{task.id}")
    page = response.follow(headers=FI)
    assert "Aktiviteetti tallennettu." in page.text
    type_id, subject, assignee, due, outcome, version = stored(db, activity)
    assert type_id == acme.types["meeting"].id and subject == "Tapaaminen asiakkaalla"
    assert assignee == acme.maija.id and outcome == "Sovittiin tarjous"
    assert due == datetime(2026, 12, 4, 7, 15, tzinfo=UTC)
    assert version == first_version + 1
    row = page.html.select_one(f"[data-activity='{activity.id}']").get_text(" ", strip=True)
    assert "Tapaaminen asiakkaalla" in row and "4.12.2026 09.15" in row


def test_the_history_shows_old_and_new_values(webapp, db, setup):
    acme, task, activity = setup
    edit_form(
        webapp,
        activity,
        type_id=str(acme.types["meeting"].id),
        subject="Tapaaminen",
        due_time="15.00",
    ).submit(headers=FI, status=303)
    (event,) = events(db, task)
    changes = event.payload["changes"]
    assert set(changes) == {"type_id", "subject", "due_at"}
    assert changes["subject"] == ["Soita ja sovi demo", "Tapaaminen"]
    assert changes["type_id"][0]["en"] == "Call" and changes["type_id"][1]["en"] == "Meeting"
    assert changes["due_at"][1] == "2026-12-03T13:00:00+00:00"
    assert event.actor_user_id == acme.maija.id
    page = webapp.get(f"/t/acme/tasks/{task.id}", headers=FI)
    timeline = page.html.select_one(".event-activity_changed").get_text(" ", strip=True)
    assert "Aktiviteettia muokattu" in timeline
    assert "Soita ja sovi demo → Tapaaminen" in timeline
    assert "3.12.2026 14.30 → 3.12.2026 15.00" in timeline


def test_an_edit_that_changes_nothing_records_nothing(webapp, db, setup):
    _acme, task, activity = setup
    before = stored(db, activity)
    edit_form(webapp, activity).submit(headers=FI, status=303)
    assert stored(db, activity) == before
    assert events(db, task) == []


def test_a_done_activity_keeps_its_retired_type_and_a_former_team_member(webapp, db, setup):
    """An edit of the outcome alone never fails on what the activity already had."""
    acme, task, activity = setup
    with all_tenants(db):
        activity.assignee_user_id = acme.pekka.id  # not in the team
        activity.done_at = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
        acme.types["call"].retired_at = datetime(2026, 12, 1, tzinfo=UTC)
        db.flush()
    edit_form(webapp, activity, outcome="Soitettu").submit(headers=FI, status=303)
    assert stored(db, activity)[4] == "Soitettu"
    assert set(events(db, task)[0].payload["changes"]) == {"outcome"}


def test_my_work_links_to_the_edit_and_back(webapp, db, setup):
    _acme, _task, activity = setup
    page = webapp.get("/t/acme/my-work", headers=FI)
    link = page.html.select_one(f"[data-activity='{activity.id}'] a.activity-edit")
    form = webapp.get(link["href"], headers=FI).forms["activity-edit-form"]
    form["subject"] = "Soita uudelleen"
    response = form.submit(headers=FI, status=303)
    assert response.location.endswith("/t/acme/my-work")
    assert stored(db, activity)[1] == "Soita uudelleen"


# --- bad input ----------------------------------------------------------------------------


def _refused(page, field: str) -> str:
    return page.html.select_one(f"#{field}-error").get_text(strip=True)


def test_an_empty_subject_is_refused(webapp, db, setup):
    _acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(webapp, activity, subject="   ", outcome="Kirjoitettu").submit(
        headers=FI, status=400
    )
    assert _refused(page, "subject") == "Tämä kenttä on pakollinen."
    assert page.forms["activity-edit-form"]["outcome"].value == "Kirjoitettu"
    assert stored(db, activity) == before and events(db, task) == []


def test_a_type_of_another_tenant_is_refused(webapp, db, setup, beta):
    _acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(
        webapp, activity, type_id=str(beta.activity_type.id), subject="Uusi aihe"
    ).submit(headers=FI, status=400)
    assert _refused(page, "type_id") == "Valitse jokin käytössä olevista aktiviteettityypeistä."
    assert page.forms["activity-edit-form"]["subject"].value == "Uusi aihe"
    assert stored(db, activity) == before and events(db, task) == []


def test_an_unknown_type_is_refused(webapp, db, setup):
    _acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(webapp, activity, type_id="999999", subject="Uusi aihe").submit(
        headers=FI, status=400
    )
    assert _refused(page, "type_id") == "Valitse jokin käytössä olevista aktiviteettityypeistä."
    assert stored(db, activity) == before


def test_an_assignee_outside_the_team_is_refused(webapp, db, setup):
    acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(
        webapp, activity, assignee_user_id=str(acme.pekka.id), subject="Uusi aihe"
    ).submit(headers=FI, status=400)
    assert _refused(page, "assignee_user_id") == "Valitse tehtävän tiimin jäsen."
    assert page.forms["activity-edit-form"]["subject"].value == "Uusi aihe"
    assert stored(db, activity) == before and events(db, task) == []


def test_an_assignee_of_another_tenant_is_refused(webapp, db, setup, beta):
    _acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(webapp, activity, assignee_user_id=str(beta.user.id)).submit(
        headers=FI, status=400
    )
    assert _refused(page, "assignee_user_id") == "Valitse tehtävän tiimin jäsen."
    assert "Bert" not in page.text
    assert stored(db, activity) == before


def test_a_date_that_does_not_exist_is_refused(webapp, db, setup):
    _acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(webapp, activity, due_date="31.2.2026", subject="Uusi aihe").submit(
        headers=FI, status=400
    )
    assert _refused(page, "due_date") == "Anna päivämäärä, esim. 28.11.2026."
    form = page.forms["activity-edit-form"]
    assert form["due_date"].value == "31.2.2026" and form["subject"].value == "Uusi aihe"
    assert stored(db, activity) == before and events(db, task) == []


def test_a_time_that_does_not_exist_is_refused(webapp, db, setup):
    _acme, task, activity = setup
    before = stored(db, activity)
    page = edit_form(webapp, activity, due_time="25.70", subject="Uusi aihe").submit(
        headers=FI, status=400
    )
    assert _refused(page, "due_time") == "Anna kellonaika, esim. 14.30."
    form = page.forms["activity-edit-form"]
    assert form["due_time"].value == "25.70" and form["subject"].value == "Uusi aihe"
    assert stored(db, activity) == before and events(db, task) == []


def test_a_stale_version_keeps_the_input_and_writes_nothing(webapp, db, setup):
    _acme, task, activity = setup
    form = edit_form(webapp, activity, subject="Minun muutokseni")
    with all_tenants(db):
        activity.outcome = "Joku muu ehti ensin"
        db.flush()
    before = stored(db, activity)
    page = form.submit(headers=FI, status=409)
    assert "Joku muu muutti aktiviteettia sillä välin." in page.html.select_one(".stale").text
    refused = page.forms["activity-edit-form"]
    assert refused["subject"].value == "Minun muutokseni"
    assert refused["version"].value == str(before[-1])
    assert stored(db, activity) == before and events(db, task) == []
    # Checked against what is stored now, the second try is saved.
    refused.submit(headers=FI, status=303)
    assert stored(db, activity)[1] == "Minun muutokseni"


def test_a_missing_version_is_stale_not_an_error(webapp, db, setup):
    _acme, _task, activity = setup
    before = stored(db, activity)
    webapp.post(
        f"/t/acme/activities/{activity.id}/edit",
        {
            "csrf_token": webapp.cookies["myynti_csrf"],
            "type_id": str(activity.type_id),
            "subject": "Ilman versiota",
            "version": "x",
        },
        status=409,
    )
    assert stored(db, activity) == before


# --- who may ------------------------------------------------------------------------------


def test_another_tenants_activity_is_not_found(webapp, db, as_maija, beta):
    with all_tenants(db):
        activity = Activity(
            tenant_id=beta.tenant.id,
            task_id=beta.task.id,
            type_id=beta.activity_type.id,
            subject="Beta salaisuus",
        )
        db.add(activity)
        db.flush()
    url = f"/t/acme/activities/{activity.id}/edit"
    assert "Beta salaisuus" not in webapp.get(url, status=404).text
    webapp.post(
        url,
        {
            "csrf_token": webapp.cookies["myynti_csrf"],
            "type_id": str(as_maija.types["call"].id),
            "subject": "Kaapattu",
            "version": "1",
        },
        status=404,
    )
    webapp.get("/t/acme/activities/999999/edit", status=404)
    with all_tenants(db):
        db.refresh(activity)
        assert activity.subject == "Beta salaisuus" and activity.version == 1


def test_someone_who_is_not_a_member_is_refused(webapp, db, acme, beta, login):
    """Every member of a tenant holds the permission; a member of another tenant does not."""
    task = add_task(db, acme)
    activity = add_activity(db, acme, task)
    before = stored(db, activity)
    signed_out = webapp.get(f"/t/acme/activities/{activity.id}/edit", status=303)
    assert "/login" in signed_out.location
    login(webapp, "bert@beta.example")
    url = f"/t/acme/activities/{activity.id}/edit"
    webapp.get(url, status=404)
    webapp.post(
        url,
        {"csrf_token": webapp.cookies["myynti_csrf"], "subject": "Bert oli täällä", "version": "1"},
        status=404,
    )
    assert stored(db, activity) == before
