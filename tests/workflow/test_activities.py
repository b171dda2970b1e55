"""Activities on a task: add, assign within the team or tenant, done with one click, reopen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.models import Event, utcnow
from plugins.workflow.models import Activity, Task
from tests.workflow.conftest import tasks_of


def add_task(db, acme, team=None, title="Kassajärjestelmä") -> Task:
    with all_tenants(db):
        task = Task(
            tenant_id=acme.tenant.id,
            workflow_id=acme.workflow.id,
            stage_id=acme.stages["new"].id,
            title=title,
            responsible_user_id=acme.maija.id,
            team_id=team.id if team else None,
        )
        db.add(task)
        db.flush()
    return task


def activity_form(webapp, task, **values):
    form = webapp.get(f"/t/acme/tasks/{task.id}").forms["activity-form"]
    form["subject"] = "Soita ja sovi demo"
    for key, value in values.items():
        form[key].force_value(value)
    return form


def activities_of(db, task) -> list[Activity]:
    with all_tenants(db):
        query = select(Activity).where(Activity.task_id == task.id)
        return list(db.scalars(query.execution_options(populate_existing=True)))


def history(db, task) -> list[str]:
    with all_tenants(db):
        return list(
            db.scalars(
                select(Event.kind)
                .where(Event.entity == "task", Event.record_id == task.id)
                .order_by(Event.id)
            )
        )


def test_an_activity_for_a_team_member_leaves_the_responsible_person(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme, team=acme.team)
    form = activity_form(
        webapp,
        task,
        type_id=str(acme.types["meeting"].id),
        assignee_user_id=str(acme.maija.id),
        due_date="2026-12-03",
        due_time="14:30",
    )
    page = form.submit().follow()
    (activity,) = activities_of(db, task)
    assert activity.assignee_user_id == acme.maija.id and activity.done_at is None
    assert activity.type_id == acme.types["meeting"].id
    row = page.html.select_one(f"[data-activity='{activity.id}']").get_text(" ", strip=True)
    assert "Meeting" in row and "3.12.2026 14.30" in row
    (stored,) = tasks_of(db, acme.tenant)
    assert stored.responsible_user_id == acme.maija.id
    assert history(db, task) == ["activity_added"]
    timeline = page.html.select_one("[data-panel=core-timeline]").get_text(" ", strip=True)
    assert "Activity added" in timeline and "Soita ja sovi demo" in timeline


def test_without_a_team_anyone_of_the_tenant_can_be_assigned(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme)
    activity_form(
        webapp, task, type_id=str(acme.types["call"].id), assignee_user_id=str(acme.pekka.id)
    ).submit(status=303)
    (activity,) = activities_of(db, task)
    assert activity.assignee_user_id == acme.pekka.id
    (stored,) = tasks_of(db, acme.tenant)
    assert stored.responsible_user_id == acme.maija.id


def test_someone_outside_the_team_is_refused(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme, team=acme.team)
    refused = activity_form(
        webapp, task, type_id=str(acme.types["call"].id), assignee_user_id=str(acme.pekka.id)
    ).submit(status=400)
    error = refused.html.select_one("#assignee_user_id-error").get_text()
    assert "member of the task's team" in error
    assert refused.forms["activity-form"]["subject"].value == "Soita ja sovi demo"
    assert activities_of(db, task) == []


def test_someone_of_another_tenant_is_refused(webapp, db, as_maija, beta):
    acme = as_maija
    task = add_task(db, acme)
    refused = activity_form(
        webapp, task, type_id=str(acme.types["call"].id), assignee_user_id=str(beta.user.id)
    ).submit(status=400)
    assert "active member" in refused.html.select_one("#assignee_user_id-error").get_text()
    assert "Bert" not in refused.text
    assert activities_of(db, task) == []


@pytest.mark.parametrize("due", ["ensi viikolla", "2026-13-01", "32.1.2026"])
def test_a_due_date_that_is_not_a_date_is_refused(webapp, db, as_maija, due):
    acme = as_maija
    task = add_task(db, acme)
    refused = activity_form(webapp, task, type_id=str(acme.types["call"].id), due_date=due).submit(
        status=400
    )
    assert "Enter a date" in refused.html.select_one("#due_date-error").get_text()
    assert refused.forms["activity-form"]["due_date"].value == due
    assert activities_of(db, task) == []


def test_a_type_of_another_tenant_or_retired_is_refused(webapp, db, as_maija, beta):
    acme = as_maija
    task = add_task(db, acme)
    refused = activity_form(webapp, task, type_id=str(beta.activity_type.id)).submit(status=400)
    assert "activity types in use" in refused.html.select_one("#type_id-error").get_text()
    with all_tenants(db):
        acme.types["demo"].retired_at = utcnow()
        db.flush()
    refused = activity_form(webapp, task, type_id=str(acme.types["demo"].id)).submit(status=400)
    assert "activity types in use" in refused.html.select_one("#type_id-error").get_text()
    assert activities_of(db, task) == []


def test_done_with_one_click_and_reopened(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme)
    activity_form(webapp, task, type_id=str(acme.types["call"].id)).submit(status=303)
    page = webapp.get(f"/t/acme/tasks/{task.id}")
    done = page.html.select_one("form.activity-done")
    response = webapp.post(
        done["action"],
        {
            "csrf_token": webapp.cookies["myynti_csrf"],
            "version": done.select_one("[name=version]")["value"],
            "outcome": "Sovittiin demo",
        },
        status=303,
    )
    assert response.location.endswith(f"/t/acme/tasks/{task.id}")
    (activity,) = activities_of(db, task)
    assert activity.done_at is not None and activity.outcome == "Sovittiin demo"
    page = response.follow()
    reopen = page.html.select_one("form.activity-reopen")
    webapp.post(
        reopen["action"],
        {
            "csrf_token": webapp.cookies["myynti_csrf"],
            "version": reopen.select_one("[name=version]")["value"],
        },
        status=303,
    )
    (activity,) = activities_of(db, task)
    assert activity.done_at is None
    assert history(db, task) == ["activity_added", "activity_done", "activity_reopened"]


def test_a_stale_done_click_changes_nothing(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme)
    activity_form(webapp, task, type_id=str(acme.types["call"].id)).submit(status=303)
    (activity,) = activities_of(db, task)
    page = webapp.post(
        f"/t/acme/activities/{activity.id}/done",
        {"csrf_token": webapp.cookies["myynti_csrf"], "version": str(activity.version + 5)},
        status=303,
    ).follow()
    assert "Someone else changed this activity" in page.text
    (activity,) = activities_of(db, task)
    assert activity.done_at is None


def test_another_tenants_activity_is_not_found(webapp, db, as_maija, beta):
    with all_tenants(db):
        activity = Activity(
            tenant_id=beta.tenant.id, task_id=beta.task.id, type_id=beta.activity_type.id
        )
        db.add(activity)
        db.flush()
    token = webapp.cookies["myynti_csrf"]
    for action in ("done", "reopen"):
        webapp.post(
            f"/t/acme/activities/{activity.id}/{action}",
            {"csrf_token": token, "version": "1"},
            status=404,
        )
    with all_tenants(db):
        db.refresh(activity)
        assert activity.done_at is None and activity.version == 1
