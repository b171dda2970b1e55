"""The top bar's search in a real browser: "/" focuses it, results show while typing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from core.db import all_tenants
from core.models import Role
from plugins.contacts.models import Customer
from tests.browser import committed_member, needs_chromium, signed_in_page

pytestmark = needs_chromium


def _customers(db: Any, tenants: list[Any]) -> None:
    with all_tenants(db):
        db.add_all(
            Customer(tenant_id=tenants[0].id, name=name, business_id=business_id)
            for name, business_id in (("Virtasen Kattotyö Oy", "2077474-0"), ("Muu Oy", None))
        )
        db.flush()


@pytest.fixture
def register(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    """A Finnish-speaking member of a tenant with contacts and two customers."""
    with committed_member(
        db_engine,
        myynti_registry,
        plugins=("contacts",),
        role=Role.MEMBER,
        locale="fi",
        fill=_customers,
    ) as member:
        yield {"slug": member.slugs[0], "email": member.email}


def test_slash_focuses_the_search_and_typing_lists_what_matches(browser, server, register):
    page = signed_in_page(browser, server, register["email"])
    page.goto(f"{server}/t/{register['slug']}/customers")

    page.keyboard.press("/")
    expect(page.locator("#topbar-q")).to_be_focused()
    page.keyboard.type("20774740")

    found = page.locator("#topbar-suggestions a")
    expect(found.first).to_contain_text("Virtasen Kattotyö Oy")
    expect(page.locator("#topbar-suggestions")).to_contain_text("Kaikki tulokset")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/customers/" in page.url
    expect(page.locator("h1")).to_contain_text("Virtasen Kattotyö Oy")
