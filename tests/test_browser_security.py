"""The content security policy in a real browser: the pages work under it, nothing is refused.

A signed-in member of two tenants walks the main pages; Chromium reports any
script or style the policy blocks on its console, and the tenant switch (which
once ran inline script) still changes the tenant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import CommittedMember, committed_member, needs_chromium, signed_in_page

pytestmark = needs_chromium

PAGES = ("/", "/customers", "/requests", "/board", "/tasks", "/my-work")


@pytest.fixture
def member(db_engine, myynti_registry) -> Iterator[CommittedMember]:
    """An admin of two tenants with every plugin."""
    with committed_member(db_engine, myynti_registry, tenants=2) as member:
        yield member


def test_the_main_pages_load_nothing_the_policy_refuses(browser, server, member):
    page = signed_in_page(browser, server, member.email)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    first = member.slugs[0]
    for path in PAGES:
        page.goto(f"{server}/t/{first}{path}")
        page.wait_for_load_state("load")

    assert refused == []


def test_the_tenant_switch_changes_the_tenant(browser, server, member):
    page = signed_in_page(browser, server, member.email)
    first, second = member.slugs
    page.goto(f"{server}/t/{first}/")

    with page.expect_navigation():
        page.select_option("#switch-tenant", second)

    assert f"/t/{second}/" in page.url
