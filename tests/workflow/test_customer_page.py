"""The customer page tells the story: one timeline of the customer, its tasks, activities and
requests, filterable; the next activity on top; e-mail and phone as links, codes as words."""

from __future__ import annotations

from datetime import timedelta

from core.db import all_tenants
from core.history import record_event
from core.models import utcnow
from core.testing import csrf_token
from plugins.contacts.models import ContactRequest
from plugins.workflow.models import Activity, Task


def _task(db, tenant, workflow, stage, customer_id, title) -> Task:
    with all_tenants(db):
        task = Task(
            tenant_id=tenant.id,
            workflow_id=workflow.id,
            stage_id=stage.id,
            title=title,
            customer_id=customer_id,
        )
        db.add(task)
        db.flush()
    return task


def _story(db, acme, beta) -> dict[str, int]:
    """Events of the customer, its task, its request, and a look-alike of another tenant."""
    task = _task(db, acme.tenant, acme.workflow, acme.stages["new"], acme.customer.id, "Remontti")
    with all_tenants(db):
        request = ContactRequest(
            tenant_id=acme.tenant.id,
            name="Ville",
            subject="Tarjouspyyntö",
            customer_id=acme.customer.id,
        )
        db.add(request)
        db.flush()
        record_event_as(
            db, acme.tenant.id, "customer", acme.customer.id, "comment", "Oma tapahtuma"
        )
        record_event_as(db, acme.tenant.id, "task", task.id, "comment", "Tehtävän tapahtuma")
        record_event_as(
            db, acme.tenant.id, "contact_request", request.id, "comment", "Pyynnön tapahtuma"
        )
        # Beta's task names a customer with Acme's customer's id: never on Acme's page.
        stranger = _task(db, beta.tenant, beta.workflow, beta.stage, acme.customer.id, "Salainen")
        record_event_as(db, beta.tenant.id, "task", stranger.id, "comment", "Betan tapahtuma")
    return {"task": task.id, "request": request.id}


def record_event_as(db, tenant_id, entity, record_id, kind, text) -> None:
    event = record_event(db, entity, record_id, kind, {"text": text})
    event.tenant_id = tenant_id
    db.flush()


def _timeline(page) -> list[str]:
    return [
        li.select_one(".event-body").get_text(" ", strip=True)
        for li in page.html.select("[data-panel=core-timeline] li.event, #timeline li.event")
    ]


def test_the_timeline_tells_of_the_customer_its_tasks_and_requests(webapp, db, as_maija, beta):
    acme = as_maija
    story = _story(db, acme, beta)
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    told = " | ".join(_timeline(page))
    assert "Oma tapahtuma" in told and "Tehtävän tapahtuma" in told
    assert "Pyynnön tapahtuma" in told
    assert "Betan tapahtuma" not in told and "Salainen" not in told
    task_event = next(
        li for li in page.html.select("#timeline li.event") if "Tehtävän tapahtuma" in li.text
    )
    link = task_event.select_one(".event-record a")
    assert link.get_text(strip=True) == "Remontti"
    assert link["href"].endswith(f"/tasks/{story['task']}")
    assert "Task:" in task_event.select_one(".event-record").get_text(" ", strip=True)

    sources = [o["value"] for o in page.html.select("#timeline-from option")]
    assert sources == ["", "customer", "task", "contact_person", "contact_request"]
    only_tasks = webapp.get(f"/t/acme/history/customer/{acme.customer.id}?from=task")
    assert [t for t in _timeline(only_tasks) if "tapahtuma" in t] == [
        t for t in _timeline(only_tasks) if "Tehtävän tapahtuma" in t
    ]
    assert len(_timeline(only_tasks)) == 1
    own = webapp.get(f"/t/acme/history/customer/{acme.customer.id}?from=customer")
    assert "Tehtävän tapahtuma" not in " ".join(_timeline(own))
    assert "Oma tapahtuma" in " ".join(_timeline(own))
    # An unknown source shows everything, never an error.
    everything = webapp.get(f"/t/acme/history/customer/{acme.customer.id}?from=xx%27")
    assert len(_timeline(everything)) == 3


def test_a_logged_call_is_on_the_timeline_filtered_by_kind(webapp, db, as_maija, beta):
    acme = as_maija
    _story(db, acme, beta)
    form = webapp.get(f"/t/acme/customers/{acme.customer.id}").forms["customer-log-form"]
    form["outcome"] = "Sovittu tapaaminen"
    form.submit().follow()
    page = webapp.get(f"/t/acme/history/customer/{acme.customer.id}?kind=activity_done")
    (only,) = _timeline(page)
    assert "Activity done" in only and "Sovittu tapaaminen" in only


def test_the_next_activity_is_on_top(webapp, db, as_maija):
    acme = as_maija
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    line = page.html.select_one("[data-panel=workflow-next-activity]").get_text(" ", strip=True)
    assert "Next activity:" in line and "none planned" in line

    task = _task(db, acme.tenant, acme.workflow, acme.stages["new"], acme.customer.id, "Remontti")
    # Without a due time, the newest planned one is next.
    with all_tenants(db):
        for subject in ("Vanhempi ilman päivää", "Uudempi ilman päivää"):
            db.add(
                Activity(
                    tenant_id=acme.tenant.id,
                    type_id=acme.types["meeting"].id,
                    subject=subject,
                    customer_id=acme.customer.id,
                )
            )
            db.flush()
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    line = page.html.select_one("[data-panel=workflow-next-activity]").get_text(" ", strip=True)
    assert "Meeting: Uudempi ilman päivää" in line

    soon = utcnow().replace(microsecond=0) + timedelta(days=1)
    with all_tenants(db):
        for subject, due, values in (
            ("Myöhemmin", soon + timedelta(days=5), {"customer_id": acme.customer.id}),
            ("Pian", soon, {"task_id": task.id}),
            ("Tehty jo", soon - timedelta(days=3), {"customer_id": acme.customer.id}),
        ):
            db.add(
                Activity(
                    tenant_id=acme.tenant.id,
                    type_id=acme.types["meeting"].id,
                    subject=subject,
                    due_at=due,
                    done_at=utcnow() if subject == "Tehty jo" else None,
                    assignee_user_id=acme.pekka.id,
                    **values,
                )
            )
        db.flush()
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    line = page.html.select_one("[data-panel=workflow-next-activity]")
    text = line.get_text(" ", strip=True)
    assert "Meeting: Pian" in text and "Pekka Puuska" in text
    assert line.select_one("a")["href"].endswith(f"/tasks/{task.id}")


def test_links_to_write_and_call_and_codes_as_words(webapp, db, as_maija):
    acme = as_maija
    with all_tenants(db):
        acme.customer.email = "myynti@virtanen.example"
        acme.customer.phone = "050 123 4567"
        acme.customer.language = "sv"
        acme.customer.visiting_address = {"street": "Storgatan 1", "city": "Umeå", "country": "SE"}
        acme.person.phone = "040 765 4321"
        acme.person.email = "ville@virtanen.example"
        db.flush()
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    details = page.html.select_one("dl.details")
    assert details.select_one("a[href='mailto:myynti@virtanen.example']").text == (
        "myynti@virtanen.example"
    )
    assert details.select_one("a[href='tel:+358501234567']").text == "050 123 4567"
    text = details.get_text(" ", strip=True)
    assert "Swedish" in text and "Sweden" in text
    people = page.html.select_one(".contact-persons")
    assert people.select_one("a[href='tel:+358407654321']") is not None
    assert people.select_one("a[href='mailto:ville@virtanen.example']") is not None

    webapp.post("/locale", {"locale": "fi", "came_from": "/", "csrf_token": csrf_token(webapp)})
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    text = page.html.select_one("dl.details").get_text(" ", strip=True)
    assert "ruotsi" in text and "Ruotsi" in text
    line = page.html.select_one("[data-panel=workflow-next-activity]").get_text(" ", strip=True)
    assert "Seuraava aktiviteetti:" in line and "ei suunniteltu" in line
