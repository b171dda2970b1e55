"""A campaign in a real browser: the target group's count follows the filters, the launch's
progress bar follows the worker, and the finished campaign shows its results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.app import make_config
from core.db import all_tenants, make_session_factory
from core.jobs.worker import process
from core.models import Job, JobState, Membership, Tenant
from plugins.campaigns.batches import LAUNCH_BATCH
from plugins.campaigns.models import Campaign
from plugins.contacts.models import Customer
from tests.browser import committed_member, keep_screenshots, needs_chromium, signed_in_page
from tests.campaigns.conftest import stages_of

pytestmark = needs_chromium

CUSTOMERS = (("Aalto Oy", "Helsinki"), ("Bertta Oy", "Helsinki"), ("Cedar Oy", "Tampere"))


def _fill(db: Any, tenants: list[Tenant]) -> dict[str, int]:
    """Three customers (two in Helsinki) and a draft campaign whose group is everyone."""
    (tenant,) = tenants
    with all_tenants(db):
        owner = db.scalar(select(Membership.user_id).where(Membership.tenant_id == tenant.id))
        workflow, stages = stages_of(db, tenant)
        ids = {}
        for name, city in CUSTOMERS:
            customer = Customer(tenant_id=tenant.id, name=name, visiting_address={"city": city})
            db.add(customer)
            db.flush()
            ids[name] = customer.id
        campaign = Campaign(
            tenant_id=tenant.id,
            name="Kevätkampanja",
            workflow_id=workflow.id,
            stage_id=stages["new"].id,
            task_title="Kevät: {customer}",
            owner_user_id=owner,
            filters={},
        )
        db.add(campaign)
        db.flush()
        ids["campaign"] = campaign.id
    return ids


@pytest.fixture
def shop(db_engine: Any, myynti_registry: Any) -> Iterator[dict[str, Any]]:
    with committed_member(db_engine, myynti_registry, plugins=("campaigns",), fill=_fill) as member:
        yield {"slug": member.slugs[0], "email": member.email, **member.data}


def run_launch_jobs(queue: Any, db_engine: Any, slug: str) -> int:
    """Run the tenant's launch batches as the worker does, until none is pending; how many."""
    ran = 0
    factory = make_session_factory(db_engine)
    for _round in range(10):
        with factory() as db, all_tenants(db):
            pending = db.scalars(
                select(Job.id)
                .join(Tenant, Tenant.id == Job.tenant_id)
                .where(Tenant.slug == slug, Job.name == LAUNCH_BATCH, Job.state == JobState.PENDING)
            ).all()
        if not pending:
            return ran
        _claimed, done = process(queue, pending)
        ran += len(done)
    return ran


def test_the_group_counts_live_and_the_launch_shows_its_progress_and_results(
    browser: Any,
    server: str,
    shop: dict[str, Any],
    app_settings: Any,
    myynti_registry: Any,
    db_engine: Any,
) -> None:
    base = f"{server}/t/{shop['slug']}/campaigns/{shop['campaign']}"
    page = signed_in_page(browser, server, shop["email"])
    page.goto(f"{base}/targets")
    expect(page.locator("#target-count")).to_have_text("3")

    # Typing a city narrows the count and the sample without a click.
    page.fill("#f-city", "Helsinki")
    expect(page.locator("#target-count")).to_have_text("2")
    sample = page.locator("#target-preview table.sample")
    expect(sample).to_contain_text("Aalto Oy")
    expect(sample).to_contain_text("Bertta Oy")
    expect(sample).not_to_contain_text("Cedar Oy")
    assert page.url == f"{base}/targets", "nothing was submitted"
    page.fill("#f-city", "Oulu")
    expect(page.locator("#target-count")).to_have_text("0")
    page.fill("#f-city", "Helsinki")
    expect(page.locator("#target-count")).to_have_text("2")

    with page.expect_navigation():
        page.click("#target-form button[name=save]")
    expect(page.locator("body")).to_contain_text("Target group saved.")
    with page.expect_navigation():
        page.click("#campaign-launch button")
    progress = page.locator("progress[data-progress-url]")
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator("#campaign-progress-text")).to_have_text("0 / 2")

    queue = make_config(app_settings, registry=myynti_registry, engine=db_engine).registry
    assert run_launch_jobs(queue.myynti_jobs, db_engine, shop["slug"]) >= 1
    # The bar polls every two seconds; the finished campaign's page replaces it with results.
    expect(page.locator("[data-result=tasks]")).to_have_text("2")
    expect(page.locator("progress[data-progress-url]")).to_have_count(0)
    keep_screenshots(page, "campaign-results")

    page.goto(f"{server}/t/{shop['slug']}/customers/{shop['Aalto Oy']}")
    panel = page.locator("[data-panel=campaigns-customer]")
    expect(panel).to_contain_text("Kevätkampanja")
    expect(panel).to_contain_text("Kevät: Aalto Oy")
    page.goto(f"{server}/t/{shop['slug']}/customers/{shop['Cedar Oy']}")
    expect(page.locator("[data-panel=campaigns-customer]")).not_to_contain_text("Kevätkampanja")
