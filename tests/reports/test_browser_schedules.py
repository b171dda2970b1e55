"""Scheduled reports in a real browser, in Finnish: schedule a report from its page with its
filters, change how often it goes, delete it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import committed_member, keep_screenshots, needs_chromium, signed_in_page

pytestmark = needs_chromium


@pytest.fixture
def member(db_engine, myynti_registry) -> Iterator[Any]:
    with committed_member(db_engine, myynti_registry, locale="fi") as made:
        yield made


def test_a_report_is_scheduled_edited_and_deleted(browser, server, member):
    page = signed_in_page(browser, server, member.email)
    query = "granularity=quarter&start=2026-01-01&end=2026-12-31"
    page.goto(f"{server}/t/{member.slugs[0]}/reports/reports.sales?{query}")
    page.click("#schedule-report")
    expect(page.locator("#schedule-form h2")).to_have_text("Ajasta tämä raportti")
    page.select_option("#frequency", "monthly")
    page.get_by_label("Maija Member").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Ajasta", exact=True).click()
    expect(page.get_by_text("Raportti ajastettiin.")).to_be_visible()
    row = page.locator("#schedules tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Kuukausittain")
    expect(row).to_contain_text("Maija Member")
    keep_screenshots(page, "report-schedules")

    page.get_by_role("link", name="Muokkaa").click()
    expect(page.locator("#schedule-form h2")).to_have_text("Muokkaa ajastusta")
    expect(page.get_by_label("Maija Member")).to_be_checked()
    page.select_option("#frequency", "weekly")
    with page.expect_navigation():
        page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_text("Ajastus tallennettiin.")).to_be_visible()
    expect(row).to_contain_text("Viikoittain")
    assert "granularity=quarter" in row.get_by_role("link").first.get_attribute("href")

    with page.expect_navigation():
        row.get_by_role("button", name="Poista").click()
    expect(page.get_by_text("Raportteja ei ole ajastettu.")).to_be_visible()
