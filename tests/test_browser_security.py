"""The content security policy in a real browser: the pages work under it, nothing is refused.

A signed-in member of two tenants walks the main pages; Chromium reports any
script or style the policy blocks on its console, and the tenant switch (which
once ran inline script) still changes the tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete

from core.db import all_tenants, make_session_factory
from core.licensing import enable_plugin
from core.models import Membership, Role, Tenant, User
from core.passwords import hash_password
from core.testing import PASSWORD
from tests.browser import needs_chromium, signed_in_page

pytestmark = needs_chromium

PAGES = ("/", "/customers", "/requests", "/board", "/tasks", "/my-work")


@pytest.fixture
def member(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    """A committed user, admin of two tenants with every plugin; deleted after."""
    factory = make_session_factory(db_engine)
    suffix = uuid.uuid4().hex[:8]
    everything = [p.name for p in myynti_registry.plugins if p.licensed]
    with factory.begin() as db:
        user = User(
            email=f"csp-{suffix}@example.com",
            name="Csp",
            password_hash=hash_password(PASSWORD),
            locale="en",
        )
        db.add(user)
        tenants = [Tenant(slug=f"csp{n}-{suffix}", name=f"Csp {n} Oy", licence={}) for n in (1, 2)]
        db.add_all(tenants)
        db.flush()
        for tenant in tenants:
            for name in everything:
                enable_plugin(db, myynti_registry, tenant, name, with_dependencies=True)
            with all_tenants(db):
                db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
                db.flush()
        made = {"email": user.email, "slugs": [t.slug for t in tenants]}
        ids = {"user": user.id, "tenants": [t.id for t in tenants]}
    yield made
    with factory.begin() as db, all_tenants(db):
        db.execute(delete(Tenant).where(Tenant.id.in_(ids["tenants"])))
        db.execute(delete(User).where(User.id == ids["user"]))


def test_the_main_pages_load_nothing_the_policy_refuses(browser, server, member):
    page = signed_in_page(browser, server, member["email"])
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    first = member["slugs"][0]
    for path in PAGES:
        page.goto(f"{server}/t/{first}{path}")
        page.wait_for_load_state("load")

    assert refused == []


def test_the_tenant_switch_changes_the_tenant(browser, server, member):
    page = signed_in_page(browser, server, member["email"])
    first, second = member["slugs"]
    page.goto(f"{server}/t/{first}/")

    with page.expect_navigation():
        page.select_option("#switch-tenant", second)

    assert f"/t/{second}/" in page.url
