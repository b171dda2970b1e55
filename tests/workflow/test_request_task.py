"""Converting a contact request asks for the customer and proposes the task's values.

The form matches the customer and contact person by e-mail, proposes the
title, a value the web form asked for and the first open stage; it makes a
new customer from the request when none matches; a task without a customer
only when the user chooses so. Bad input gets its message and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.testing import csrf_token
from plugins.contacts.models import ContactPerson, ContactRequest, Customer, RequestState
from plugins.contacts.requests.intake import create_request
from tests.workflow.conftest import tasks_of


def _request(db, acme, **values) -> ContactRequest:
    set_tenant(db, acme.tenant.id)
    item = create_request(
        db,
        {
            "name": "Ville Virtanen",
            "email": "ville@virtanen.example",
            "subject": "Tarjouspyyntö: julkisivuremontti",
            "message": "Tarvitsemme tarjouksen.",
            **values,
        },
        "api",
    )
    db.flush()
    return item


def _stored(db, item) -> ContactRequest:
    with all_tenants(db):
        return db.get(ContactRequest, item.id, populate_existing=True)


def test_the_form_matches_the_customer_and_proposes_the_values(webapp, db, as_maija):
    acme = as_maija
    with all_tenants(db):
        acme.person.email = "ville@virtanen.example"
        db.flush()
    item = _request(db, acme)
    with all_tenants(db):
        item.extra = {"budget": "12 500 €"}
        db.flush()
    form = webapp.get(f"/t/acme/requests/{item.id}/task").forms["request-task-form"]
    assert form["customer_action"].value == "chosen"
    assert form["customer_id"].value == str(acme.customer.id)
    assert form["contact_person_id"].value == str(acme.person.id)
    assert form["title"].value == "Tarjouspyyntö: julkisivuremontti"
    assert form["expected_value"].value == "12500,00"
    assert form["stage_id"].value == str(acme.stages["new"].id)
    assert form["responsible_user_id"].value == str(acme.maija.id)

    form["stage_id"] = str(acme.stages["quote"].id)
    page = form.submit().follow()

    (task,) = tasks_of(db, acme.tenant)
    assert page.request.path == f"/t/acme/tasks/{task.id}"
    assert (task.customer_id, task.contact_person_id) == (acme.customer.id, acme.person.id)
    assert task.stage_id == acme.stages["quote"].id
    assert task.expected_value == Decimal("12500.00")
    stored = _stored(db, item)
    assert stored.state == RequestState.CONVERTED and stored.customer_id == acme.customer.id


def test_without_a_match_it_makes_the_customer_from_the_request(webapp, db, as_maija):
    acme = as_maija
    item = _request(db, acme, company="Uusi Asiakas Oy", email="ville@uusi.example")
    form = webapp.get(f"/t/acme/requests/{item.id}/task").forms["request-task-form"]
    assert form["customer_action"].value == "create"
    assert form["customer_id"].value == "0"
    form.submit().follow()

    (task,) = tasks_of(db, acme.tenant)
    with all_tenants(db):
        customer = db.get(Customer, task.customer_id)
        person = db.get(ContactPerson, task.contact_person_id)
    assert customer.name == "Uusi Asiakas Oy"
    assert person.name == "Ville Virtanen" and person.customer_id == customer.id
    assert _stored(db, item).customer_id == customer.id


def test_a_task_without_a_customer_only_when_the_user_says_so(webapp, db, as_maija):
    acme = as_maija
    item = _request(db, acme, email="ville@gmail.com")
    form = webapp.get(f"/t/acme/requests/{item.id}/task").forms["request-task-form"]
    form["customer_action"] = "chosen"
    page = form.submit(status=400)
    assert page.html.select_one("#customer_id-error").get_text(strip=True) == (
        "Choose the customer, make a new one from the request, or choose no customer."
    )
    assert tasks_of(db, acme.tenant) == []

    # The one-click conversion (no form) refuses a request without a customer.
    page = webapp.post(
        f"/t/acme/requests/{item.id}/convert",
        {"target": "task", "csrf_token": csrf_token(webapp)},
        status=400,
    )
    assert "The request has no customer" in page.text
    assert tasks_of(db, acme.tenant) == []

    form = webapp.get(f"/t/acme/requests/{item.id}/task").forms["request-task-form"]
    form["customer_action"] = "none"
    form.submit().follow()
    (task,) = tasks_of(db, acme.tenant)
    assert task.customer_id is None
    assert _stored(db, item).state == RequestState.CONVERTED
    with all_tenants(db):
        assert db.scalar(select(func.count()).select_from(Customer)) == 2


def test_bad_input_gets_its_message_and_writes_nothing(webapp, db, as_maija, beta):
    acme = as_maija
    item = _request(db, acme, email="ville@gmail.com")
    cases = {
        "customer_id": {"customer_action": "chosen", "customer_id": str(beta.customer.id)},
        "contact_person_id": {
            "customer_action": "chosen",
            "customer_id": str(acme.customer.id),
            "contact_person_id": str(beta.person.id),
        },
        "stage_id": {"customer_action": "none", "stage_id": str(acme.stages["won"].id)},
        "responsible_user_id": {
            "customer_action": "none",
            "responsible_user_id": str(beta.user.id),
        },
        "title": {"customer_action": "none", "title": "   "},
        "expected_value": {"customer_action": "none", "expected_value": "paljon"},
        "customer_action": {"customer_action": "everyone"},
    }
    for field, values in cases.items():
        form = webapp.get(f"/t/acme/requests/{item.id}/task").forms["request-task-form"]
        form["title"] = "Oma otsikko"
        for key, value in values.items():
            form[key].force_value(value)
        page = form.submit(status=400)
        assert page.html.select_one(f"#{field}-error") is not None, field
        if field != "title":
            assert page.forms["request-task-form"]["title"].value == "Oma otsikko"
    assert tasks_of(db, acme.tenant) == []
    assert _stored(db, item).state != RequestState.CONVERTED


def test_another_tenants_request_is_not_found(webapp, db, as_maija, beta):
    set_tenant(db, beta.tenant.id)
    item = create_request(db, {"name": "Bea", "subject": "Salainen"}, "api")
    db.flush()
    webapp.get(f"/t/acme/requests/{item.id}/task", status=404)
    webapp.post(
        f"/t/acme/requests/{item.id}/task",
        {"customer_action": "none", "title": "x", "csrf_token": csrf_token(webapp)},
        status=404,
    )
    assert tasks_of(db, as_maija.tenant) == []
