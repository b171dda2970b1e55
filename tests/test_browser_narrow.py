"""The app on a phone (390 x 844): no page scrolls sideways, the menu opens from a button.

A committed tenant with a customer, a workflow and a task; its admin walks the
main pages at a phone's size. The board scrolls inside itself, a column at a
time; the page around it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from core.db import all_tenants
from core.testing import PASSWORD
from plugins.contacts.models import Customer
from tests.browser import WAIT_MS, committed_member, keep_screenshots, needs_chromium
from tests.workflow_plugins.fixtures import add_task, make_board

pytestmark = needs_chromium

PHONE = {"width": 390, "height": 844}


def _fill(db: Any, tenants: list[Any]) -> dict[str, int]:
    """A customer with a long name and address, a workflow and a task for it."""
    (tenant,) = tenants
    with all_tenants(db):
        customer = Customer(
            tenant_id=tenant.id,
            name="Pitkänimisen Asiakasyrityksen Osakeyhtiö Kauppa- ja Teollisuusyksikkö",
            email="tilaukset@pitkanimisen-asiakasyrityksen-osakeyhtio.example",
        )
        db.add(customer)
        db.flush()
    board = make_board(db, tenant)
    task = add_task(
        db,
        board.stages["new"],
        "Kassajärjestelmän uusiminen kolmeen myymälään",
        customer_id=customer.id,
    )
    return {"customer": customer.id, "task": task.id, "workflow": board.workflow.id}


@pytest.fixture
def shop(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    """A Finnish-speaking admin of a tenant with every plugin, a customer and a task."""
    with committed_member(db_engine, myynti_registry, locale="fi", fill=_fill) as member:
        yield {"slug": member.slugs[0], "email": member.email, **member.data}


@pytest.fixture
def phone(browser, server, shop) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", shop["email"])
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    yield page
    context.close()


def _main_pages(shop: dict[str, Any]) -> list[str]:
    base = f"/t/{shop['slug']}"
    return [
        f"{base}/",
        f"{base}/customers",
        f"{base}/customers/new",
        f"{base}/customers/{shop['customer']}",
        f"{base}/requests",
        f"{base}/requests/new",
        f"{base}/board?workflow={shop['workflow']}",
        f"{base}/tasks",
        f"{base}/tasks/new",
        f"{base}/tasks/{shop['task']}",
        f"{base}/my-work",
        f"{base}/search?q=kassa",
        f"{base}/admin/users",
        f"{base}/admin/teams",
        f"{base}/settings/workflows",
        f"{base}/settings/custom-fields",
        f"{base}/settings/forms",
    ]


def test_no_main_page_scrolls_sideways_on_a_phone(phone, server, shop):
    wide = []
    for path in _main_pages(shop):
        response = phone.goto(server + path)
        assert response.ok, (path, response.status)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide.append((path, overflow))
        keep_screenshots(phone, "main" + path.replace(shop["slug"], "tenant"))

    assert wide == []


def test_the_menu_opens_from_its_button(phone, server, shop):
    phone.goto(f"{server}/t/{shop['slug']}/")
    navigation = phone.locator(".navigation")
    button = phone.locator(".menu-button")

    expect(button).to_be_visible()
    expect(navigation).to_be_hidden()
    button.click()
    expect(navigation).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    assert phone.locator(".brand").bounding_box()["y"] == pytest.approx(
        button.bounding_box()["y"], abs=12
    )


def test_the_board_shows_one_column_at_a_time(phone, server, shop):
    phone.goto(f"{server}/t/{shop['slug']}/board?workflow={shop['workflow']}")
    columns = phone.locator(".column")

    first = columns.nth(0).bounding_box()
    second = columns.nth(1).bounding_box()

    assert first["width"] > PHONE["width"] * 0.75
    assert second["x"] > PHONE["width"] * 0.85, "the next column only peeks in"
