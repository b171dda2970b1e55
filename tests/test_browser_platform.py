"""The platform admin in a real browser: switching a tenant or a module off asks first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from core.db import all_tenants, make_session_factory
from core.models import Tenant, TenantPlugin, User
from plugins.contacts.models import Customer
from tests.browser import committed_member, keep_screenshots, needs_chromium, signed_in_page

pytestmark = needs_chromium


def _customers(db: Any, tenants: list[Any]) -> None:
    with all_tenants(db):
        db.add_all(Customer(tenant_id=tenants[0].id, name=n) for n in ("Aalto Oy", "Berg Ab"))
        db.flush()


@pytest.fixture
def platform(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    """A platform admin who is also a member of a tenant with contacts and two customers."""
    with committed_member(
        db_engine, myynti_registry, plugins=("contacts",), fill=_customers
    ) as member:
        factory = make_session_factory(db_engine)
        with factory.begin() as db:
            db.execute(update(User).where(User.email == member.email).values(platform_admin=True))
        yield {"slug": member.slugs[0], "email": member.email, "factory": factory}


CONTACTS = "Customers and contact requests"


def _state(platform: dict[str, Any], query: Any) -> Any:
    with platform["factory"].begin() as db, all_tenants(db):
        return db.scalar(query)


def test_disabling_a_module_says_what_hides_and_keeps_the_data(browser, server, platform):
    slug = platform["slug"]
    page = signed_in_page(browser, server, platform["email"])
    page.goto(f"{server}/platform/modules")
    keep_screenshots(page, "platform-modules")
    with page.expect_navigation():
        page.locator(f"#module-{slug}-contacts button").click()

    confirm = page.locator("#confirm-switch")
    expect(confirm.locator("h1")).to_have_text(f"Disable {CONTACTS} for Testi 0 Oy?")
    expect(confirm).to_contain_text("Records hidden: Customers 2")
    expect(confirm).to_contain_text("Nothing is deleted")
    keep_screenshots(page, "platform-module-confirm")
    enabled = (
        select(TenantPlugin.enabled)
        .join(Tenant)
        .where(Tenant.slug == slug, TenantPlugin.plugin == "contacts")
    )
    assert _state(platform, enabled) is True

    with page.expect_navigation():
        confirm.get_by_role("button", name="Disable").click()
    expect(page.locator(".flash")).to_contain_text(f"{CONTACTS} disabled for Testi 0 Oy.")
    assert _state(platform, enabled) is False
    customers = select(Customer.id).join(Tenant).where(Tenant.slug == slug)
    assert _state(platform, customers) is not None


def test_cancelling_a_tenant_deactivation_leaves_it_active(browser, server, platform):
    slug = platform["slug"]
    page = signed_in_page(browser, server, platform["email"])
    page.goto(f"{server}/platform/tenants")
    keep_screenshots(page, "platform-tenants")
    with page.expect_navigation():
        page.locator(f"#tenant-active-{slug} button").click()

    expect(page.locator("#confirm-switch h1")).to_have_text("Deactivate Testi 0 Oy?")
    asked = page.locator("#confirm-switch")
    expect(asked).to_contain_text("Its members (1) can no longer open it.")
    keep_screenshots(page, "platform-tenant-confirm")
    with page.expect_navigation():
        page.get_by_role("link", name="Cancel").click()

    assert page.url.endswith("/platform/tenants")
    expect(page.locator(f"tr[data-tenant='{slug}'] .status")).to_have_text("Active")
    assert _state(platform, select(Tenant.active).where(Tenant.slug == slug)) is True
