"""Activities without a task, logged as done in one step; a won or lost task's open activities.

A call is logged on a customer (and a contact person) from the customer's
page, the dashboard and my work; each bad input gets its message by its
field, keeps what was typed and writes nothing. Closing a task asks what to
do with its open activities and closes them by default, so none stays
overdue on my work. Reports count the activities without a task.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.db import all_tenants
from core.models import Event, utcnow
from plugins.workflow.models import Activity, Task
from tests.workflow.conftest import tasks_of


def activities_of_customer(db, customer) -> list[Activity]:
    with all_tenants(db):
        query = select(Activity).where(Activity.customer_id == customer.id).order_by(Activity.id)
        return list(db.scalars(query.execution_options(populate_existing=True)))


def customer_events(db, customer) -> list[str]:
    with all_tenants(db):
        return list(
            db.scalars(
                select(Event.kind)
                .where(Event.entity == "customer", Event.record_id == customer.id)
                .order_by(Event.id)
            )
        )


def add_task(db, acme, title="Kassajärjestelmä", customer=None) -> Task:
    with all_tenants(db):
        task = Task(
            tenant_id=acme.tenant.id,
            workflow_id=acme.workflow.id,
            stage_id=acme.stages["new"].id,
            title=title,
            responsible_user_id=acme.maija.id,
            customer_id=customer.id if customer else None,
        )
        db.add(task)
        db.flush()
    return task


def test_a_done_call_is_logged_on_the_customer_page_with_one_click(webapp, db, as_maija):
    acme = as_maija
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    form = page.forms["customer-log-form"]
    assert form["type_id"].value == str(acme.types["call"].id)
    assert form["done"].checked
    form["outcome"] = "Kiinnostunut, lähetän tarjouksen"
    page = form.submit().follow()

    assert page.request.path == f"/t/acme/customers/{acme.customer.id}"
    (call,) = activities_of_customer(db, acme.customer)
    assert call.task_id is None and call.done_at is not None and call.cancelled_at is None
    assert call.assignee_user_id == acme.maija.id
    assert call.outcome == "Kiinnostunut, lähetän tarjouksen"
    assert abs(call.done_at.replace(tzinfo=UTC) - utcnow()) < timedelta(minutes=1)
    assert customer_events(db, acme.customer) == ["activity_done"]
    timeline = page.html.select_one("[data-panel=core-timeline]").get_text(" ", strip=True)
    assert "Activity done" in timeline and "Kiinnostunut" in timeline


def test_a_planned_meeting_with_a_contact_person_goes_to_my_work(webapp, db, as_maija):
    acme = as_maija
    form = webapp.get("/t/acme/my-work").forms["my-work-log-form"]
    form["customer_id"].force_value(str(acme.customer.id))
    form["contact_person_id"].force_value(str(acme.person.id))
    form["type_id"] = str(acme.types["meeting"].id)
    form["done"] = False
    form["day"] = "1.1.2099"
    form["clock"] = "9.30"
    form["subject"] = "Esittely toimistolla"
    page = form.submit().follow()

    assert page.request.path == "/t/acme/my-work"
    (meeting,) = activities_of_customer(db, acme.customer)
    assert meeting.done_at is None and meeting.contact_person_id == acme.person.id
    assert meeting.due_at.replace(tzinfo=UTC) == datetime(2099, 1, 1, 7, 30, tzinfo=UTC)
    item = page.html.select_one(f"[data-activity='{meeting.id}']").get_text(" ", strip=True)
    assert "Esittely toimistolla" in item and acme.customer.name in item
    assert customer_events(db, acme.customer) == ["activity_added"]

    # Done from my work with one click, like an activity on a task.
    done = next(f for f in page.forms.values() if f.action.endswith(f"/{meeting.id}/done"))
    page = done.submit().follow()
    assert activities_of_customer(db, acme.customer)[0].done_at is not None
    assert page.html.select_one(f"[data-activity='{meeting.id}']") is None


def test_a_call_is_logged_from_the_dashboard_on_an_open_task(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme, customer=acme.customer)
    form = webapp.get("/t/acme/").forms["dashboard-log-form"]
    form["customer_id"].force_value(str(acme.customer.id))
    form["task_id"].force_value(str(task.id))
    form["outcome"] = "Soitettu"
    page = form.submit().follow()
    assert page.request.path == "/t/acme/"
    with all_tenants(db):
        (call,) = db.scalars(select(Activity).where(Activity.task_id == task.id))
    assert call.customer_id is None and call.done_at is not None
    with all_tenants(db):
        kinds = db.scalars(
            select(Event.kind).where(Event.entity == "task", Event.record_id == task.id)
        )
        assert list(kinds) == ["activity_done"]


def test_bad_input_gets_a_message_by_its_field_and_writes_nothing(webapp, db, as_maija, beta):
    acme = as_maija
    form = webapp.get("/t/acme/my-work").forms["my-work-log-form"]
    form["outcome"] = "Ei tavoitettu"
    page = form.submit(status=400)
    assert page.html.select_one("#customer_id-error").get_text(strip=True) == (
        "Choose the customer the activity is with."
    )
    assert page.forms["log-form"]["outcome"].value == "Ei tavoitettu"

    other_task = add_task(db, acme, customer=acme.other_customer)
    cases = {
        "customer_id": {"customer_id": str(beta.customer.id)},
        "contact_person_id": {"customer_id": str(acme.customer.id), "contact_person_id": "999999"},
        "task_id": {"customer_id": str(acme.customer.id), "task_id": str(other_task.id)},
        "type_id": {"customer_id": str(acme.customer.id), "type_id": str(beta.activity_type.id)},
        "assignee_user_id": {
            "customer_id": str(acme.customer.id),
            "assignee_user_id": str(beta.user.id),
        },
        "day": {"customer_id": str(acme.customer.id), "day": "1.1.2099"},
    }
    for field, values in cases.items():
        form = webapp.get("/t/acme/my-work").forms["my-work-log-form"]
        form["outcome"] = "Ei tavoitettu"
        for key, value in values.items():
            form[key].force_value(value)
        page = form.submit(status=400)
        assert page.html.select_one(f"#{field}-error") is not None, field
        assert page.forms["log-form"]["outcome"].value == "Ei tavoitettu"
    form = webapp.get("/t/acme/my-work").forms["my-work-log-form"]
    form["customer_id"].force_value(str(acme.customer.id))
    form["day"] = "31.2.2026"
    page = form.submit(status=400)
    assert page.html.select_one("#day-error").get_text(strip=True) == (
        "Enter a date, e.g. 28.11.2026."
    )
    assert activities_of_customer(db, acme.customer) == []
    assert customer_events(db, acme.customer) == []


def test_the_log_form_in_finnish(webapp, db, as_maija):
    acme = as_maija
    webapp.post("/locale", {"locale": "fi", "came_from": "/", "csrf_token": _token(webapp)})
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    panel = page.html.select_one("[data-panel=workflow-log-activity]").get_text(" ", strip=True)
    assert "Kirjaa aktiviteetti" in panel and "Jo tehty" in panel
    form = page.forms["customer-log-form"]
    form["day"] = "1.1.2099"
    page = form.submit(status=400)
    assert page.html.select_one("#day-error").get_text(strip=True) == (
        "Jo tehty aktiviteetti ei voi olla myöhemmin kuin nyt."
    )


def _token(webapp) -> str:
    from core.testing import csrf_token

    return csrf_token(webapp)


def test_winning_a_task_closes_its_open_activities_by_default(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme, customer=acme.customer)
    yesterday = utcnow() - timedelta(days=1)
    with all_tenants(db):
        for subject in ("Soita", "Lähetä sopimus"):
            db.add(
                Activity(
                    tenant_id=acme.tenant.id,
                    task_id=task.id,
                    type_id=acme.types["call"].id,
                    subject=subject,
                    assignee_user_id=acme.maija.id,
                    due_at=yesterday,
                )
            )
        db.flush()
    assert "Soita" in webapp.get("/t/acme/my-work").html.select_one(".group-overdue + ul").text
    form = webapp.get(f"/t/acme/tasks/{task.id}").forms["move-form"]
    assert form["on_close"].value == "close"
    form["stage_id"] = str(acme.stages["won"].id)
    form.submit().follow()

    with all_tenants(db):
        found = list(
            db.scalars(
                select(Activity)
                .where(Activity.task_id == task.id)
                .execution_options(populate_existing=True)
            )
        )
    assert all(a.cancelled_at is not None and a.done_at is None for a in found)
    page = webapp.get("/t/acme/my-work")
    assert page.html.select_one(".my-activities .group-overdue") is None
    assert "Activity closed undone" in webapp.get(f"/t/acme/tasks/{task.id}").text


def test_losing_a_task_can_mark_its_open_activities_done(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme)
    with all_tenants(db):
        db.add(
            Activity(
                tenant_id=acme.tenant.id,
                task_id=task.id,
                type_id=acme.types["call"].id,
                subject="Soita",
                assignee_user_id=acme.maija.id,
            )
        )
        db.flush()
    form = webapp.get(f"/t/acme/tasks/{task.id}").forms["move-form"]
    form["stage_id"] = str(acme.stages["lost"].id)
    form["lost_reason"] = "Hinta"
    form["on_close"] = "done"
    form.submit().follow()
    (stored,) = tasks_of(db, acme.tenant)
    assert stored.closed_at is not None
    with all_tenants(db):
        (activity,) = db.scalars(
            select(Activity)
            .where(Activity.task_id == task.id)
            .execution_options(populate_existing=True)
        )
    assert activity.done_at is not None and activity.cancelled_at is None


def test_a_bad_choice_for_open_activities_moves_nothing(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme)
    form = webapp.get(f"/t/acme/tasks/{task.id}").forms["move-form"]
    form["stage_id"] = str(acme.stages["won"].id)
    fields = dict(form.submit_fields())
    fields["on_close"] = "forget"
    webapp.post(f"/t/acme/tasks/{task.id}/move", fields, status=400)
    (stored,) = tasks_of(db, acme.tenant)
    assert stored.stage_id == acme.stages["new"].id


def test_another_tenants_customer_is_not_found(webapp, db, as_maija, beta):
    webapp.get(f"/t/acme/activities/log?customer={beta.customer.id}", status=404)
    webapp.get(f"/t/acme/activities/log/tasks?customer={beta.customer.id}", status=404)
    answer = webapp.get(f"/t/acme/activities/log/tasks?customer={as_maija.customer.id}").json
    assert answer == {"results": [], "more": False}
    page = webapp.get(f"/t/acme/activities/log?customer={as_maija.customer.id}")
    assert page.forms["log-form"]["customer_id"].value == str(as_maija.customer.id)
    assert "Beta Asiakas Oy" not in page.text


def test_the_open_tasks_of_a_customer_follow_its_choice(webapp, db, as_maija):
    acme = as_maija
    task = add_task(db, acme, "Kahvikone", customer=acme.customer)
    add_task(db, acme, "Muiden tehtävä", customer=acme.other_customer)
    answer = webapp.get(f"/t/acme/activities/log/tasks?customer={acme.customer.id}").json
    assert answer["results"] == [{"id": task.id, "label": "Kahvikone"}]


def test_an_activity_without_a_task_is_edited_and_reopened_on_the_customer(webapp, db, as_maija):
    acme = as_maija
    form = webapp.get(f"/t/acme/customers/{acme.customer.id}").forms["customer-log-form"]
    form["done"] = False
    form["day"] = "2.1.2099"
    form["subject"] = "Soita takaisin"
    form.submit().follow()
    (call,) = activities_of_customer(db, acme.customer)

    page = webapp.get(f"/t/acme/activities/{call.id}/edit?back=customer")
    assert page.html.select_one(f"a[href$='/customers/{acme.customer.id}']") is not None
    edit = page.forms["activity-edit-form"]
    edit["subject"] = "Soita takaisin iltapäivällä"
    page = edit.submit().follow()
    assert page.request.path == f"/t/acme/customers/{acme.customer.id}"
    assert activities_of_customer(db, acme.customer)[0].subject == "Soita takaisin iltapäivällä"
    assert customer_events(db, acme.customer) == ["activity_added", "activity_changed"]
    line = page.html.select_one("[data-panel=workflow-next-activity]").get_text(" ", strip=True)
    assert "Soita takaisin iltapäivällä" in line
