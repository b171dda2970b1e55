"""Lists in a real browser: styled filters, money right-aligned with a total, state badges,
secondary buttons that look secondary, and no empty next page."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from plugins.workflow.tasks import PAGE_SIZE
from tests.browser import committed_member, keep_screenshots, needs_chromium, signed_in_page
from tests.workflow_plugins.fixtures import add_task, make_board

pytestmark = needs_chromium


def _tasks(db: Any, tenants: list[Any]) -> None:
    """A full page of tasks, 10,00 € more each: 12 250,00 € together."""
    board = make_board(db, tenants[0])
    for number in range(PAGE_SIZE):
        add_task(
            db, board.stages["new"], f"Tehtävä {number:02}", expected_value=Decimal(number * 10)
        )


@pytest.fixture
def lists(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    with committed_member(db_engine, myynti_registry, locale="fi", fill=_tasks) as member:
        yield {"slug": member.slugs[0], "email": member.email}


def _style(locator: Any, prop: str) -> str:
    return locator.evaluate(f"e => getComputedStyle(e).{prop}")


def test_the_task_list_reads_as_a_list(browser, server, lists):
    page = signed_in_page(browser, server, lists["email"])
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{server}/t/{lists['slug']}/tasks")

    expect(page.locator("table.tasks tbody tr")).to_have_count(PAGE_SIZE)
    expect(page.locator(".pager")).to_have_count(0)
    expect(page.get_by_role("link", name="Seuraava")).to_have_count(0)
    value = page.locator("table.tasks tbody td.num").first
    assert _style(value, "textAlign") == "right"
    total = page.locator("table.tasks tfoot .total")
    expect(total).to_contain_text("Yhteensä")
    expect(total.locator("td.num")).to_have_text("12\u00a0250,00\u00a0€")
    badge = page.locator("table.tasks tbody .badge").first
    expect(badge).to_have_text("Uusi")
    assert _style(badge, "borderRadius") != "0px"
    export = page.get_by_role("link", name="Vie CSV")
    assert _style(export, "backgroundColor") == "rgb(255, 255, 255)", "secondary looks secondary"
    new = page.get_by_role("link", name="Uusi tehtävä")
    assert _style(new, "backgroundColor") != "rgb(255, 255, 255)"
    filters = page.locator("form.filters")
    assert _style(filters, "display") == "flex"
    assert _style(filters, "backgroundColor") == "rgb(255, 255, 255)"
    keep_screenshots(page, "list-tasks")

    for path in ("customers", "requests"):
        page.goto(f"{server}/t/{lists['slug']}/{path}")
        assert _style(page.locator("form.filters"), "display") == "flex"
        keep_screenshots(page, f"list-{path}")
