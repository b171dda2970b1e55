"""A contact request converted into a task: first stage, linked both ways."""

from __future__ import annotations

from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.models import Event
from plugins.contacts.models import ContactRequest, RequestState
from plugins.contacts.requests.intake import create_request
from tests.workflow.conftest import tasks_of


def test_a_request_becomes_a_task_in_the_first_stage(webapp, db, as_maija):
    acme = as_maija
    set_tenant(db, acme.tenant.id)
    item = create_request(
        db,
        {
            "name": "Liisa Laine",
            "email": "liisa@example.org",
            "subject": "Tarjouspyyntö: kirjanpito",
            "message": "Tarvitsemme kirjanpitäjän ensi vuodelle.",
        },
        "api",
    )
    item.customer_id = acme.customer.id
    db.flush()
    page = webapp.get(f"/t/acme/requests/{item.id}")
    labels = [b.get_text() for b in page.html.select("form.convert a.button")]
    assert "Create a task…" in labels
    form = page.click(href=f"/requests/{item.id}/task").forms["request-task-form"]
    assert form["customer_id"].value == str(acme.customer.id)
    form.submit().follow()

    (task,) = tasks_of(db, acme.tenant)
    assert task.stage_id == acme.stages["new"].id
    assert (task.source, task.contact_request_id) == ("contact_request", item.id)
    assert task.title == "Tarjouspyyntö: kirjanpito"
    assert task.customer_id == acme.customer.id
    assert task.description.startswith("Tarvitsemme")
    with all_tenants(db):
        stored = db.get(ContactRequest, item.id, populate_existing=True)
        kinds = list(
            db.scalars(select(Event.kind).where(Event.entity == "task", Event.record_id == task.id))
        )
    assert stored.state == RequestState.CONVERTED
    assert stored.converted_to == {"entity": "task", "id": task.id, "key": "task"}
    assert kinds == ["created", "request_converted"]

    task_page = webapp.get(f"/t/acme/tasks/{task.id}")
    link = task_page.html.select_one("a.contact-request-link")
    assert link["href"].endswith(f"/t/acme/requests/{item.id}")
    request_page = webapp.get(f"/t/acme/requests/{item.id}")
    assert request_page.html.select_one(f"a[href$='/t/acme/tasks/{task.id}']") is not None
