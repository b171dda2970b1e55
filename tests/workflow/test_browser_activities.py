"""A salesperson's day in a real browser: a done call logged in one click, a won task's activities.

From the customer's page, the dashboard and my work a done call takes one
click on "Log activity" and one page load (typing is not clicking; the
customer is found by typing its name in the search box). Winning a task
asks what to do with its open activities, closing them by default, and the
overdue one leaves my work. Screenshots of the pages at 1366 x 800 go to
``test-artifacts/`` (not committed) for a reviewer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.db import all_tenants, make_session_factory
from core.models import Membership, utcnow
from core.testing import PASSWORD
from plugins.contacts.models import ContactPerson, ContactRequest, Customer
from plugins.workflow.models import Activity, ActivityType
from tests.browser import SCREENSHOTS, WAIT_MS, committed_member, needs_chromium
from tests.workflow_plugins.fixtures import add_task, make_board

pytestmark = needs_chromium

WIDE = {"width": 1366, "height": 800}
ARTEFACTS = SCREENSHOTS


def _fill(db: Any, tenants: list[Any]) -> dict[str, Any]:
    """A customer with a contact person and a task that has an overdue call."""
    (tenant,) = tenants
    with all_tenants(db):
        user_id = db.scalar(select(Membership.user_id).where(Membership.tenant_id == tenant.id))
        customer = Customer(
            tenant_id=tenant.id,
            name="Rakennus Virtanen Oy",
            email="myynti@virtanen.example",
            phone="+358 50 123 4567",
        )
        db.add(customer)
        db.flush()
        db.add(ContactPerson(tenant_id=tenant.id, customer_id=customer.id, name="Ville Virtanen"))
        call = db.scalar(
            select(ActivityType).where(
                ActivityType.tenant_id == tenant.id, ActivityType.key == "call"
            )
        )
    board = make_board(db, tenant)
    task = add_task(
        db,
        board.stages["new"],
        "Toimiston remontti",
        customer_id=customer.id,
        responsible_user_id=user_id,
    )
    with all_tenants(db):
        db.add(
            Activity(
                tenant_id=tenant.id,
                task_id=task.id,
                type_id=call.id,
                subject="Soita tarjouksesta",
                assignee_user_id=user_id,
                due_at=utcnow() - timedelta(days=2),
            )
        )
        db.flush()
    with all_tenants(db):
        lead = ContactRequest(
            tenant_id=tenant.id,
            name="Ville Virtanen",
            email="ville@virtanen.example",
            subject="Julkisivuremontti",
            extra={"budget": "8000"},
        )
        db.add(lead)
        db.flush()
    return {
        "request": lead.id,
        "customer": customer.id,
        "task": task.id,
        "won": board.stages["won"].id,
        "lost": board.stages["lost"].id,
    }


@pytest.fixture
def shop(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    with committed_member(db_engine, myynti_registry, locale="en", fill=_fill) as member:
        yield {"slug": member.slugs[0], "email": member.email, **member.data}


@pytest.fixture
def wide(browser, server, shop) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", shop["email"])
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


class Loads:
    """Counts the page loads of the main frame after it is made."""

    def __init__(self, page: Any) -> None:
        self.count = 0
        page.on("load", self._loaded)

    def _loaded(self, _page: Any) -> None:
        self.count += 1


def logged(db_engine: Any, customer_id: int) -> list[Activity]:
    with make_session_factory(db_engine)() as db, all_tenants(db):
        found = list(
            db.scalars(
                select(Activity).where(Activity.customer_id == customer_id).order_by(Activity.id)
            )
        )
        db.expunge_all()
        return found


def test_a_done_call_from_the_customer_page_takes_one_click(wide, server, shop, db_engine):
    wide.goto(f"{server}/t/{shop['slug']}/customers/{shop['customer']}")
    screenshot(wide, "customer-1366")
    form = wide.locator("#customer-log-form")
    expect(form.locator("select[name=type_id]")).to_have_value(
        form.locator("select[name=type_id] option").first.get_attribute("value")
    )
    expect(form.locator("input[name=done]")).to_be_checked()
    loads = Loads(wide)

    form.locator("textarea[name=outcome]").fill("Kiinnostunut, tarjous perjantaina")
    form.locator("button[type=submit]").click()

    expect(wide.locator(".flash, [role=status]").first).to_contain_text("Activity logged.")
    assert loads.count == 1
    (call,) = logged(db_engine, shop["customer"])
    assert call.done_at is not None and call.task_id is None
    assert call.outcome == "Kiinnostunut, tarjous perjantaina"
    expect(wide.locator("[data-panel=core-timeline]")).to_contain_text("Kiinnostunut")


@pytest.mark.parametrize(
    ("path", "form_id"), [("/", "dashboard-log-form"), ("/my-work", "my-work-log-form")]
)
def test_a_done_call_from_the_dashboard_and_my_work(wide, server, shop, db_engine, path, form_id):
    wide.goto(f"{server}/t/{shop['slug']}{path}")
    screenshot(wide, f"{form_id}-1366")
    form = wide.locator(f"#{form_id}")
    loads = Loads(wide)

    form.locator("input.select-search").fill("Rakennus")
    expect(form.locator("select[name=customer_id]")).to_have_value(str(shop["customer"]))
    # The task select follows the customer: its open task is offered.
    expect(form.locator("select[name=task_id] option")).to_have_count(2)
    form.locator("textarea[name=outcome]").fill("Ei vastannut, soitan huomenna")
    form.locator("button[type=submit]").click()

    expect(wide.locator(".flash, [role=status]").first).to_contain_text("Activity logged.")
    assert loads.count == 1
    (call,) = logged(db_engine, shop["customer"])
    assert call.done_at is not None and call.outcome == "Ei vastannut, soitan huomenna"


def test_winning_a_task_closes_its_overdue_call(wide, server, shop):
    base = f"{server}/t/{shop['slug']}"
    wide.goto(f"{base}/my-work")
    expect(wide.locator(".my-activities .group-overdue")).to_be_visible()
    wide.goto(f"{base}/tasks/{shop['task']}")
    question = wide.locator("#move-form .field:has(input[name=on_close])")
    expect(question).to_be_hidden()

    wide.select_option("#move-form select[name=stage_id]", str(shop["won"]))
    expect(question).to_be_visible()
    expect(question.locator("input[value=close]")).to_be_checked()
    screenshot(wide, "task-won-question-1366")
    wide.click("#move-form button[type=submit]")

    expect(wide.locator("tr[data-activity] .cancelled")).to_be_visible()
    wide.goto(f"{base}/my-work")
    expect(wide.locator(".my-activities .group-overdue")).to_have_count(0)
    expect(wide.locator(".my-activities")).to_contain_text("No open activities.")


PHONE = {"width": 390, "height": 844}


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_the_customer_page_in_two_columns_on_a_wide_screen(wide, server, shop):
    wide.goto(f"{server}/t/{shop['slug']}/customers/{shop['customer']}")
    details, people = box(wide, ".record-overview > dl.details"), box(wide, ".contact-persons")
    tabs, sidebar = box(wide, ".record-tabs"), box(wide, ".record-sidebar")

    assert people["x"] > details["x"] + details["width"] - 1, "contact persons beside the details"
    assert abs(people["y"] - details["y"]) < 40
    assert sidebar["x"] > tabs["x"] + tabs["width"] - 1, "the sidebar beside the tab panels"
    assert tabs["width"] < WIDE["width"] * 0.7
    expect(wide.locator("a[href='tel:+358501234567']")).to_have_text("+358 50 123 4567")
    expect(wide.locator("a[href='mailto:myynti@virtanen.example']")).to_be_visible()
    expect(wide.locator("[data-panel=workflow-next-activity]")).to_contain_text(
        "Call: Soita tarjouksesta"
    )

    wide.select_option("#timeline-from", "task")
    wide.click(".timeline-filter button[type=submit]")
    expect(wide.locator("#timeline-from")).to_have_value("task")
    screenshot(wide, "customer-history-tasks-1366")


def test_the_customer_page_in_one_column_on_a_phone(browser, server, shop):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", shop["email"])
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    try:
        for path in (f"/customers/{shop['customer']}", "/", "/my-work", f"/tasks/{shop['task']}"):
            page.goto(f"{server}/t/{shop['slug']}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
            name = path.strip("/").replace("/", "-") or "dashboard"
            screenshot(page, f"{name}-390")
        page.goto(f"{server}/t/{shop['slug']}/customers/{shop['customer']}")
        details, people = box(page, ".record-overview > dl.details"), box(page, ".contact-persons")
        assert people["y"] >= details["y"] + details["height"] - 1, "one column on a phone"
    finally:
        context.close()


def test_converting_a_request_asks_for_the_customer(wide, server, shop):
    base = f"{server}/t/{shop['slug']}"
    wide.goto(f"{base}/requests/{shop['request']}")
    wide.click("form.convert a[data-target=task]")
    form = wide.locator("#request-task-form")
    expect(form.locator("select[name=customer_action]")).to_have_value("chosen")
    expect(form.locator("select[name=customer_id]")).to_have_value(str(shop["customer"]))
    expect(form.locator("select[name=contact_person_id] option:checked")).to_have_text(
        "Ville Virtanen"
    )
    expect(form.locator("input[name=title]")).to_have_value("Julkisivuremontti")
    expect(form.locator("input[name=expected_value]")).to_have_value("8000,00")
    screenshot(wide, "request-to-task-1366")

    form.locator("select[name=customer_action]").select_option("none")
    expect(form.locator("select[name=customer_id]")).to_be_hidden()
    form.locator("select[name=customer_action]").select_option("chosen")
    expect(form.locator("select[name=customer_id]")).to_be_visible()
    form.locator("button[type=submit]").click()

    expect(wide.locator(".flash").first).to_contain_text("The request is now a task.")
    expect(wide.locator("h1")).to_have_text("Julkisivuremontti")
    expect(wide.locator(".task-details")).to_contain_text("Rakennus Virtanen Oy")
    expect(wide.locator(".task-details")).to_contain_text("Ville Virtanen")
    expect(wide.locator(".expected-value")).to_contain_text("8")
