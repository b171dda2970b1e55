"""Board cards in a real browser: dragging replaces the stage select, marks, quick add."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import all_tenants, make_session_factory, set_tenant
from plugins.workflow.board import local_today
from plugins.workflow.models import Task
from tests.browser import keep_screenshots, needs_chromium
from tests.workflow import test_browser as board_browser
from tests.workflow.test_browser import open_board

pytestmark = needs_chromium
#: The committed tenant with a board and two tasks in "New".
scene = board_browser.scene


def test_drag_view_cards_have_no_stage_select_but_marks_and_a_move_link(
    browser, server, scene, db_engine
):
    with make_session_factory(db_engine).begin() as db:
        set_tenant(db, scene.tenant_id)
        late = db.get(Task, scene.tasks["Kahvikone"])
        late.due_date = local_today() - timedelta(days=2)
    page = open_board(browser, server, scene)
    keep_screenshots(page, "board")

    card = page.locator(f"#card-{scene.tasks['Kahvikone']}")
    expect(card.locator("select")).to_be_hidden()
    expect(card.get_by_role("button", name="Move")).to_be_hidden()
    expect(card.locator(".badge-late")).to_have_text("Overdue")
    expect(card).to_have_class("card card-overdue card-idle")
    expect(page.locator(f"#card-{scene.tasks['Kassajärjestelmä']} .badge-idle")).to_have_text(
        "No next activity"
    )
    assert page.locator(".board select:visible").count() == 0

    with page.expect_navigation():
        card.get_by_role("link", name="Move…").click()
    expect(page.locator("#move-form select#stage_id")).to_be_visible()


def test_a_task_is_added_in_a_column_from_its_quick_add(browser, server, scene, db_engine):
    page = open_board(browser, server, scene)
    quote = page.locator(f"section.column[data-stage='{scene.stages['quote']}']")
    quote.get_by_text("Add a task").click()
    quote.get_by_placeholder("Title of the new task").fill("Kassajärjestelmä Hervantaan")
    with page.expect_navigation():
        quote.get_by_role("button", name="Add").click()

    expect(page.locator(".flash")).to_contain_text("Kassajärjestelmä Hervantaan")
    quote = page.locator(f"ol.cards[data-stage='{scene.stages['quote']}']")
    expect(quote.locator(".card-title")).to_have_text(["Kassajärjestelmä Hervantaan"])
    keep_screenshots(page, "board-quick-added")
    with make_session_factory(db_engine)() as db, all_tenants(db):
        stage = db.scalar(select(Task.stage_id).where(Task.title == "Kassajärjestelmä Hervantaan"))
    assert stage == scene.stages["quote"]
