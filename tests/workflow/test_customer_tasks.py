"""The customer page's Tasks panel: the customer's tasks, and a new task for the customer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.db import all_tenants
from core.models import utcnow
from plugins.workflow.board import local_today
from plugins.workflow.models import Task
from plugins.workflow.tasks import CUSTOMER_PANEL_SIZE
from tests.workflow.test_task_list import add as add_task


def add(db, acme, title, stage="new", customer=None, **values) -> Task:
    """A task of ``customer`` (the Acme fixture's own customer unless told)."""
    return add_task(db, acme, title, stage, customer_id=(customer or acme.customer).id, **values)


def panel(page):
    return page.html.select_one('[data-panel="workflow-customer-tasks"]')


def titles(section) -> list[str]:
    return [a.get_text() for a in section.select("table.tasks tbody td:first-child a")]


def test_the_customer_page_lists_its_open_tasks_first_with_their_total(webapp, db, as_maija):
    acme = as_maija
    today = local_today()
    add(db, acme, "Myöhemmin", due_date=today + timedelta(days=9), expected_value=Decimal(1000))
    add(db, acme, "Pian", "quote", due_date=today + timedelta(days=1), expected_value=Decimal(250))
    add(db, acme, "Voitettu", "won", expected_value=Decimal(5000))
    add(db, acme, "Toisen asiakkaan", customer=acme.other_customer)

    section = panel(webapp.get(f"/t/acme/customers/{acme.customer.id}"))

    assert section.h2.get_text() == "Tasks"
    assert titles(section) == ["Pian", "Myöhemmin", "Voitettu"]
    summary = " ".join(section.p.get_text().split())
    assert "Open tasks: 2" in summary
    value = summary.split("expected value")[1]
    assert "".join(c for c in value if c.isdigit()) == "125000"  # the open ones only
    assert "All tasks of the customer" not in section.get_text()


def test_new_task_from_the_customer_page_has_the_customer_chosen(webapp, db, as_maija):
    acme = as_maija
    section = panel(webapp.get(f"/t/acme/customers/{acme.customer.id}"))
    assert "No tasks yet." in section.get_text()

    link = section.find("a", string="New task")
    form = webapp.get(link["href"]).forms["task-form"]

    assert form["customer_id"].value == str(acme.customer.id)


def test_many_tasks_link_to_the_task_list_of_the_customer(webapp, db, as_maija):
    acme = as_maija
    for number in range(CUSTOMER_PANEL_SIZE + 2):
        add(db, acme, f"Tehtävä {number}")
    add(db, acme, "Toisen asiakkaan", customer=acme.other_customer)

    section = panel(webapp.get(f"/t/acme/customers/{acme.customer.id}"))
    assert len(titles(section)) == CUSTOMER_PANEL_SIZE
    link = section.find("a", href=lambda h: h and "/tasks?" in h)
    assert f"({CUSTOMER_PANEL_SIZE + 2})" in link.get_text()

    listed = webapp.get(link["href"])
    assert len(listed.html.select("table.tasks tbody tr")) == CUSTOMER_PANEL_SIZE + 2


def test_an_archived_customer_offers_no_new_task(webapp, db, as_maija):
    acme = as_maija
    with all_tenants(db):
        acme.customer.archived_at = utcnow()
        db.flush()
    section = panel(webapp.get(f"/t/acme/customers/{acme.customer.id}"))
    assert section.find("a", string="New task") is None


def test_another_tenants_tasks_never_show(webapp, db, as_maija, beta):
    acme = as_maija
    page = webapp.get(f"/t/acme/customers/{acme.customer.id}")
    assert "Beta salainen" not in page.text
    assert webapp.get(f"/t/acme/customers/{beta.customer.id}", status=404)
    assert webapp.get(f"/t/beta/customers/{beta.customer.id}", status=404)


def test_without_the_workflow_module_the_customer_page_has_no_tasks(
    webapp, db, make_tenant, make_user, login
):
    solo = make_tenant("solo", "Solo Oy", plugins=("contacts",))
    make_user("sanna@solo.example", tenant=solo)
    login(webapp, "sanna@solo.example")
    new = webapp.get("/t/solo/customers/new").forms["customer-form"]
    new["name"] = "Yksin Oy"
    page = new.submit().follow()
    assert page.html.h1.get_text() == "Yksin Oy"
    assert panel(page) is None
