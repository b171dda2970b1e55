"""The top bar's search in a real browser: "/" focuses it, results show while typing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from core.db import all_tenants, make_session_factory
from core.licensing import enable_plugin
from core.models import Membership, Role, Tenant, User
from core.passwords import hash_password
from core.testing import PASSWORD
from plugins.contacts.models import Customer
from tests.browser import needs_chromium, signed_in_page

pytestmark = needs_chromium


@pytest.fixture
def register(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    """A committed tenant with contacts, a member and two customers; deleted after."""
    factory = make_session_factory(db_engine)
    suffix = uuid.uuid4().hex[:8]
    with factory.begin() as db:
        tenant = Tenant(slug=f"haku-{suffix}", name="Haku Oy", licence={})
        user = User(
            email=f"haku-{suffix}@example.com",
            name="Hannu",
            password_hash=hash_password(PASSWORD),
            locale="fi",
        )
        db.add_all([tenant, user])
        db.flush()
        enable_plugin(db, myynti_registry, tenant, "contacts")
        with all_tenants(db):
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MEMBER))
            db.add_all(
                Customer(tenant_id=tenant.id, name=name, business_id=bid)
                for name, bid in (("Virtasen Kattotyö Oy", "2077474-0"), ("Muu Oy", None))
            )
            db.flush()
        made = {"slug": tenant.slug, "email": user.email}
        ids = (tenant.id, user.id)
    yield made
    with factory.begin() as db, all_tenants(db):
        db.execute(delete(Tenant).where(Tenant.id == ids[0]))
        db.execute(delete(User).where(User.id == ids[1]))


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
