"""Tasks through their pages: create, edit with locking, the task page, moving it, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.history import CHANGED, CREATED
from core.models import Event
from plugins.contacts import register
from plugins.workflow import task_form
from tests.workflow.conftest import tasks_of


def new_task(webapp, **values):
    form = webapp.get("/t/acme/tasks/new").forms["task-form"]
    form["title"] = "Kirjanpitopalvelu"
    for key, value in values.items():
        form[key] = value
    return form.submit(status="*")


def created(webapp, db, acme, **values):
    response = new_task(webapp, **values)
    assert response.status_int == 303, response.text[:3000]
    (task,) = tasks_of(db, acme.tenant)
    return task


def events(db, task, kind):
    with all_tenants(db):
        return list(
            db.scalars(
                select(Event).where(
                    Event.entity == "task", Event.record_id == task.id, Event.kind == kind
                )
            )
        )


def test_a_new_task_starts_in_the_first_stage_for_its_creator(webapp, db, as_maija):
    acme = as_maija
    response = new_task(
        webapp,
        customer_id=str(acme.customer.id),
        contact_person_id=str(acme.person.id),
        team_id=str(acme.team.id),
        expected_value="1 200,50",
        due_date="2026-12-01",
        priority="high",
    )
    page = response.follow()
    assert "Kirjanpitopalvelu" in page.text
    details = page.html.select_one(".task-details").get_text(" ", strip=True)
    assert "Rakennus Virtanen Oy" in details and "Ville Virtanen" in details
    assert "Maija Myyjä" in details and "1.12.2026" in details
    (task,) = tasks_of(db, acme.tenant)
    assert task.stage_id == acme.stages["new"].id
    assert task.responsible_user_id == acme.maija.id
    assert task.source == "manual" and task.expected_value == Decimal("1200.50")
    assert task.created_by_id == acme.maija.id and task.closed_at is None
    assert [e.payload["text"] for e in events(db, task, CREATED)] == ["Kirjanpitopalvelu"]


def test_the_task_page_is_in_finnish_with_finnish_money(webapp, db, as_maija):
    task = created(webapp, db, as_maija, expected_value="1234.5")
    webapp.get(f"/t/acme/tasks/{task.id}")
    webapp.post(
        "/locale", {"locale": "fi", "came_from": "/", "csrf_token": webapp.cookies["myynti_csrf"]}
    )
    page = webapp.get(f"/t/acme/tasks/{task.id}")
    value = page.html.select_one(".expected-value").get_text().replace("\u00a0", " ")
    assert value.replace("\u202f", " ") == "1 234,50 €"
    assert page.html.select_one(".task-stage h2").get_text() == "Siirrä vaiheeseen"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("expected_value", "-5", "cannot be negative"),
        ("expected_value", "1000000000", "at most 999 999 999,99"),
        ("expected_value", "paljon", "amount in euros"),
        ("expected_value", "1e400", "at most 999 999 999,99"),
        ("due_date", "huomenna", "Enter a date"),
        ("close_date", "31.2.2026", "Enter a date"),
        ("title", "", "required"),
        ("title", "x" * 201, "200"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_kept(
    webapp, db, as_maija, field, value, message
):
    response = new_task(webapp, **{field: value})
    assert response.status_int == 400
    error = response.html.select_one(f"#{field}-error")
    assert error is not None and message in error.get_text(), response.html.select(".error")
    assert response.forms["task-form"][field].value == value
    assert tasks_of(db, as_maija.tenant) == []


def test_a_customer_beyond_the_select_is_found_by_search_and_saved(
    webapp, db, as_maija, monkeypatch
):
    """The select holds the first customers; the box searches the rest (the browser test
    types in it), and the form takes any of the tenant's customers the search offered."""
    acme = as_maija
    monkeypatch.setattr(task_form, "CHOICES_MAX", 1)
    set_tenant(db, acme.tenant.id)
    far = register.create_customer(db, {"name": "Öljynjalostus Oy"}, [], None)
    form = webapp.get("/t/acme/tasks/new", headers={"Accept-Language": "fi"}).forms["task-form"]
    select = form.html.select_one("select#customer_id")
    assert far.id not in {int(o["value"]) for o in select.select("option")}
    assert select["data-search-url"] == "http://localhost/t/acme/customers/lookup"
    assert select["data-search-label"] == "Hae asiakasta"
    found = webapp.get(select["data-search-url"], {"q": "öljy"}).json["results"]
    assert [r["id"] for r in found] == [far.id]

    form["title"] = "Voiteluöljyt"
    form["customer_id"].force_value(str(far.id))
    assert form.submit().status_int == 303
    (task,) = tasks_of(db, acme.tenant)
    assert task.customer_id == far.id


def test_a_contact_person_must_belong_to_the_customer(webapp, db, as_maija):
    acme = as_maija
    response = new_task(
        webapp,
        customer_id=str(acme.other_customer.id),
        contact_person_id=str(acme.person.id),
    )
    assert response.status_int == 400
    assert (
        "contact person of the chosen customer"
        in response.html.select_one("#contact_person_id-error").get_text()
    )
    assert tasks_of(db, acme.tenant) == []


@pytest.mark.parametrize(
    ("field", "beta_row", "message"),
    [
        ("customer_id", "customer", "one of your customers"),
        ("responsible_user_id", "user", "active member"),
        ("team_id", "team", "one of your teams"),
        ("workflow_id", "workflow", "one of the workflows"),
    ],
)
def test_another_tenants_rows_in_the_form_are_field_errors(
    webapp, db, as_maija, beta, field, beta_row, message
):
    form = webapp.get("/t/acme/tasks/new").forms["task-form"]
    params = {key: value for key, value in form.submit_fields()}
    params.update(title="Vakooja", **{field: str(getattr(beta, beta_row).id)})
    if field == "workflow_id":
        params["workflow_id"] = str(beta.workflow.id)
    response = webapp.post("/t/acme/tasks/new", params, status=400)
    assert message in response.html.select_one(f"#{field}-error").get_text()
    assert "Beta" not in response.html.select_one("main").get_text()
    assert tasks_of(db, as_maija.tenant) == []


def test_another_tenants_contact_person_is_a_field_error(webapp, db, as_maija, beta):
    form = webapp.get("/t/acme/tasks/new").forms["task-form"]
    params = dict(form.submit_fields())
    params.update(
        title="Vakooja",
        customer_id=str(as_maija.customer.id),
        contact_person_id=str(beta.person.id),
    )
    response = webapp.post("/t/acme/tasks/new", params, status=400)
    assert "contact person" in response.html.select_one("#contact_person_id-error").get_text()
    assert tasks_of(db, as_maija.tenant) == []


def test_another_tenants_task_is_not_found(webapp, db, as_maija, beta):
    task_id = beta.task.id
    token = webapp.cookies["myynti_csrf"]
    for url in (f"/t/acme/tasks/{task_id}", f"/t/acme/tasks/{task_id}/edit"):
        webapp.get(url, status=404)
    for url in (
        f"/t/acme/tasks/{task_id}/edit",
        f"/t/acme/tasks/{task_id}/move",
        f"/t/acme/tasks/{task_id}/activities",
    ):
        webapp.post(url, {"csrf_token": token, "title": "x", "stage_id": "1"}, status=404)
    with all_tenants(db):
        db.refresh(beta.task)
        assert beta.task.title == "Beta salainen tehtävä" and beta.task.version == 1


def test_an_edit_records_what_changed(webapp, db, as_maija):
    task = created(webapp, db, as_maija, expected_value="100")
    form = webapp.get(f"/t/acme/tasks/{task.id}/edit").forms["task-form"]
    assert form["expected_value"].value == "100,00"
    form["title"] = "Tilinpäätös"
    form["expected_value"] = "250"
    form["customer_id"] = str(as_maija.customer.id)
    page = form.submit().follow()
    assert "Tilinpäätös" in page.text
    (changed,) = events(db, task, CHANGED)
    assert changed.payload["changes"]["title"] == ["Kirjanpitopalvelu", "Tilinpäätös"]
    assert changed.payload["changes"]["expected_value"] == ["100.00", "250.00"]
    assert changed.payload["changes"]["customer_id"] == [None, "Rakennus Virtanen Oy"]
    timeline = page.html.select_one("[data-panel=core-timeline]").get_text()
    assert "Kirjanpitopalvelu → Tilinpäätös" in timeline


def test_a_stale_edit_is_refused_and_keeps_the_input(webapp, db, as_maija):
    task = created(webapp, db, as_maija)
    url = f"/t/acme/tasks/{task.id}/edit"
    mine = webapp.get(url).forms["task-form"]
    theirs = webapp.get(url).forms["task-form"]
    theirs["title"] = "Heidän otsikkonsa"
    theirs.submit().follow()
    mine["description"] = "Minun kuvaukseni"
    refused = mine.submit(status=409)
    report = refused.html.select_one(".stale").get_text()
    assert "Someone else saved this task" in report and "Heidän otsikkonsa" in report
    assert refused.forms["task-form"]["description"].value == "Minun kuvaukseni"
    (stored,) = tasks_of(db, as_maija.tenant)
    assert (stored.title, stored.description) == ("Heidän otsikkonsa", "")
    # Saving again from the refused form, having seen the other change, works.
    refused.forms["task-form"].submit(status=303)
    (stored,) = tasks_of(db, as_maija.tenant)
    assert stored.description == "Minun kuvaukseni"


def move_form(webapp, task, **values):
    form = webapp.get(f"/t/acme/tasks/{task.id}").forms["move-form"]
    for key, value in values.items():
        form[key] = value
    return form


def test_the_task_page_moves_the_task_and_records_it(webapp, db, as_maija):
    task = created(webapp, db, as_maija)
    page = move_form(webapp, task, stage_id=str(as_maija.stages["quote"].id)).submit().follow()
    assert page.html.select_one(".stage-badge").get_text() == "Quote"
    (event,) = events(db, task, "stage_changed")
    assert event.payload["new"]["fi"] == "Tarjous"
    page = move_form(webapp, task, stage_id=str(as_maija.stages["won"].id)).submit().follow()
    (stored,) = tasks_of(db, as_maija.tenant)
    assert stored.closed_at is not None


def test_the_lost_reason_belongs_to_the_lost_stages(webapp, db, as_maija):
    """The page's script shows the field only while one of them is chosen (test_browser)."""
    task = created(webapp, db, as_maija)
    field = webapp.get(f"/t/acme/tasks/{task.id}").html.select_one("#move-form #lost_reason")
    assert field["data-shown-with"] == "stage_id"
    assert field["data-shown-for"].split() == [str(as_maija.stages["lost"].id)]


def test_a_lost_stage_without_a_reason_is_refused_on_the_task_page(webapp, db, as_maija):
    task = created(webapp, db, as_maija)
    refused = move_form(webapp, task, stage_id=str(as_maija.stages["lost"].id)).submit(status=400)
    assert "Say why the task was lost" in refused.html.select_one("#lost_reason-error").get_text()
    (stored,) = tasks_of(db, as_maija.tenant)
    assert stored.stage_id == as_maija.stages["new"].id and events(db, task, "stage_changed") == []
    form = refused.forms["move-form"]
    form["lost_reason"] = "Valitsi kilpailijan"
    form.submit(status=303)
    (stored,) = tasks_of(db, as_maija.tenant)
    assert (stored.stage_id, stored.lost_reason) == (
        as_maija.stages["lost"].id,
        "Valitsi kilpailijan",
    )


def test_a_retired_stage_is_refused(webapp, db, as_maija):
    task = created(webapp, db, as_maija)
    form = move_form(webapp, task)
    quote = as_maija.stages["quote"]
    with all_tenants(db):
        from core.models import utcnow

        quote.retired_at = utcnow()
        db.flush()
    form["stage_id"].force_value(str(quote.id))
    refused = form.submit(status=400)
    assert "retired" in refused.html.select_one("#stage_id-error").get_text()
    (stored,) = tasks_of(db, as_maija.tenant)
    assert stored.stage_id == as_maija.stages["new"].id


def test_a_new_task_never_starts_in_a_retired_stage(webapp, db, as_maija):
    from core.models import utcnow

    with all_tenants(db):
        as_maija.stages["new"].retired_at = utcnow()
        db.flush()
    task = created(webapp, db, as_maija)
    assert task.stage_id == as_maija.stages["contacted"].id


def test_a_stage_of_another_tenant_is_refused(webapp, db, as_maija, beta):
    task = created(webapp, db, as_maija)
    form = move_form(webapp, task)
    form["stage_id"].force_value(str(beta.stage.id))
    refused = form.submit(status=400)
    assert "stage of this task's workflow" in refused.html.select_one("#stage_id-error").get_text()


def test_a_stale_move_from_the_task_page_is_refused(webapp, db, as_maija):
    task = created(webapp, db, as_maija)
    form = move_form(webapp, task, stage_id=str(as_maija.stages["quote"].id))
    move_form(webapp, task, stage_id=str(as_maija.stages["contacted"].id)).submit(status=303)
    refused = form.submit(status=409)
    assert "Someone else changed this task" in refused.html.select_one(".task-stage").get_text()
    (stored,) = tasks_of(db, as_maija.tenant)
    assert stored.stage_id == as_maija.stages["contacted"].id


def test_an_edit_keeps_a_responsible_person_who_has_left(webapp, db, as_maija):
    from core.models import Membership

    acme = as_maija
    task = created(webapp, db, acme, responsible_user_id=str(acme.pekka.id))
    with all_tenants(db):
        membership = db.scalar(select(Membership).where(Membership.user_id == acme.pekka.id))
        membership.active = False
        db.flush()
    form = webapp.get(f"/t/acme/tasks/{task.id}/edit").forms["task-form"]
    assert form["responsible_user_id"].value == str(acme.pekka.id)
    form["title"] = "Uusi otsikko"
    form.submit(status=303)
    (stored,) = tasks_of(db, acme.tenant)
    assert (stored.title, stored.responsible_user_id) == ("Uusi otsikko", acme.pekka.id)
    form = webapp.get("/t/acme/tasks/new").forms["task-form"]
    form["title"] = "Ei enää"
    form["responsible_user_id"].force_value(str(acme.pekka.id))
    refused = form.submit(status=400)
    assert "active member" in refused.html.select_one("#responsible_user_id-error").get_text()
