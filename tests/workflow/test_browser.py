"""The workflow's pages in a real browser (``tests.browser``).

The board: a dragged card, a drop into a lost stage, a refused drop. The task
form: a customer beyond its select, found through the search box, and the
contact person select following it. The task page: the lost reason asked for
only when a lost stage is chosen.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlalchemy import delete, select

from core.db import all_tenants, make_session_factory, set_tenant
from core.licensing import enable_plugin
from core.models import Membership, Role, Tenant, User
from core.passwords import hash_password
from core.testing import PASSWORD
from plugins.contacts import register
from plugins.workflow import task_form
from plugins.workflow.models import Task
from tests.browser import needs_chromium, signed_in_page
from tests.workflow_plugins.fixtures import add_task, make_board

pytestmark = needs_chromium


@dataclass
class Scene:
    tenant_id: int
    slug: str
    email: str
    workflow_id: int
    stages: dict[str, int]
    tasks: dict[str, int]


@pytest.fixture
def scene(db_engine, myynti_registry) -> Iterator[Scene]:
    """A committed tenant with a workflow, a member and two tasks in "New"; deleted after."""
    factory = make_session_factory(db_engine)
    suffix = uuid.uuid4().hex[:8]
    with factory.begin() as db:
        tenant = Tenant(slug=f"board-{suffix}", name="Board Oy", licence={})
        db.add(tenant)
        db.flush()
        enable_plugin(db, myynti_registry, tenant, "workflow", with_dependencies=True)
        user = User(
            email=f"maija-{suffix}@board.example",
            name="Maija",
            password_hash=hash_password(PASSWORD),
            locale="en",
        )
        db.add(user)
        db.flush()
        with all_tenants(db):
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MEMBER))
            db.flush()
        board = make_board(db, tenant)
        tasks = {
            title: add_task(db, board.stages["new"], title, rank).id
            for rank, title in enumerate(("Kassajärjestelmä", "Kahvikone"))
        }
        made = Scene(
            tenant.id,
            tenant.slug,
            user.email,
            board.workflow.id,
            {key: stage.id for key, stage in board.stages.items()},
            tasks,
        )
        user_id = user.id
    yield made
    with factory.begin() as db, all_tenants(db):
        db.execute(delete(Tenant).where(Tenant.id == made.tenant_id))
        db.execute(delete(User).where(User.id == user_id))


def stored(db_engine, task_id: int) -> Task:
    with make_session_factory(db_engine)() as db, all_tenants(db):
        task = db.get(Task, task_id)
        db.expunge(task)
        return task


def open_board(browser, server: str, scene: Scene) -> Any:
    page = signed_in_page(browser, server, scene.email)
    page.goto(f"{server}/t/{scene.slug}/board?workflow={scene.workflow_id}")
    try:
        page.wait_for_selector(".board.sortable")
    except PlaywrightTimeout:
        scripts = page.evaluate("typeof window.Sortable")
        raise AssertionError(
            f"no draggable board at {page.url} (window.Sortable: {scripts}):\n"
            + page.inner_text("body")[:2000]
        ) from None
    return page


def drag(page: Any, card_selector: str, list_selector: str) -> None:
    """Drag with real pointer steps, as a hand does: press, move a little, travel, release."""
    card = page.locator(card_selector).bounding_box()
    target = page.locator(list_selector).bounding_box()
    x, y = card["x"] + card["width"] - 12, card["y"] + 12
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 5, y + 5, steps=3)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=25)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 24, steps=3)
    page.mouse.up()


def column_of(page: Any, task_id: int) -> str:
    return page.locator(f"#card-{task_id}").evaluate("card => card.closest('ol').dataset.stage")


def is_move(response: Any) -> bool:
    return "/move" in response.url and response.request.method == "POST"


def test_a_dragged_card_stays_in_its_new_column(browser, server, scene, db_engine):
    page = open_board(browser, server, scene)
    task_id = scene.tasks["Kassajärjestelmä"]
    quote = scene.stages["quote"]
    with page.expect_response(is_move) as answer:
        drag(page, f"#card-{task_id}", f'ol.cards[data-stage="{quote}"]')
    assert answer.value.status == 200
    # The board updates its counts once it has read the answer, a moment after it arrives.
    expect(page.locator(f'section[data-stage="{quote}"] .column-count')).to_have_text("1")
    page.reload()
    page.wait_for_selector(".board.sortable")
    assert column_of(page, task_id) == str(quote)
    assert page.locator(f'section[data-stage="{quote}"] .column-count').inner_text() == "1"
    task = stored(db_engine, task_id)
    assert (task.stage_id, task.version) == (quote, 2)
    page.close()


def test_a_drop_into_lost_asks_for_the_reason(browser, server, scene, db_engine):
    page = open_board(browser, server, scene)
    task_id = scene.tasks["Kahvikone"]
    lost = scene.stages["lost"]
    drag(page, f"#card-{task_id}", f'ol.cards[data-stage="{lost}"]')
    page.wait_for_selector("#lost-reason-dialog[open]")
    page.fill("#lost-reason-input", "Valitsivat kilpailijan")
    with page.expect_response(is_move) as answer:
        page.click('#lost-reason-dialog button[value="move"]')
    assert answer.value.status == 200
    page.reload()
    page.wait_for_selector(".board.sortable")
    assert column_of(page, task_id) == str(lost)
    task = stored(db_engine, task_id)
    assert (task.stage_id, task.lost_reason) == (lost, "Valitsivat kilpailijan")
    page.close()


def test_a_refused_drop_puts_the_card_back_and_says_why(browser, server, scene, db_engine):
    page = open_board(browser, server, scene)
    task_id = scene.tasks["Kassajärjestelmä"]
    with make_session_factory(db_engine).begin() as db, all_tenants(db):
        db.get(Task, task_id).title = "Joku muu muutti tämän"
        db.flush()
    quote = scene.stages["quote"]
    with page.expect_response(is_move) as answer:
        drag(page, f"#card-{task_id}", f'ol.cards[data-stage="{quote}"]')
    assert answer.value.status == 409
    message = page.locator(".board-message")
    message.wait_for(state="visible")
    assert "Someone else changed this task" in message.inner_text()
    assert column_of(page, task_id) == str(scene.stages["new"])
    assert stored(db_engine, task_id).stage_id == scene.stages["new"]
    page.close()


def test_a_customer_beyond_the_task_forms_select_is_found_by_typing(
    browser, server, scene, db_engine, monkeypatch
):
    monkeypatch.setattr(task_form, "CHOICES_MAX", 1)
    with make_session_factory(db_engine).begin() as db:
        set_tenant(db, scene.tenant_id)
        register.create_customer(db, {"name": "Aalto Oy"}, [], None)
        far = register.create_customer(
            db, {"name": "Öljynjalostus Oy", "business_id": "2077474-0"}, [], None
        )
        olli = register.add_contact_person(
            db, far, {"name": "Olli Öljy", "title": "toimitusjohtaja"}, None
        )
        far_id, olli_id = far.id, olli.id
    page = signed_in_page(browser, server, scene.email)
    page.goto(f"{server}/t/{scene.slug}/tasks/new")
    customer = page.locator("select#customer_id")
    assert "Öljynjalostus" not in customer.inner_text()

    page.fill("#title", "Voiteluöljyt")
    page.fill("#customer_id-search", "zzz")
    expect(page.locator(".select-search-status")).to_have_text("No customers found.")
    page.fill("#customer_id-search", "öljy")
    expect(customer).to_have_value(str(far_id))
    assert "Öljynjalostus Oy (2077474-0)" in customer.inner_text()
    expect(page.locator(".select-search-status")).to_be_hidden()
    page.fill("#customer_id-search", "")
    expect(customer).to_have_value(str(far_id))  # clearing the box keeps the choice
    # The contact person select follows the customer chosen by the search.
    expect(page.locator("select#contact_person_id option")).to_have_text(
        ["—", "Olli Öljy (toimitusjohtaja)"]
    )
    page.select_option("select#contact_person_id", str(olli_id))
    with page.expect_navigation():
        page.click("#task-form button[type=submit]")

    with make_session_factory(db_engine)() as db, all_tenants(db):
        saved = db.scalars(select(Task).where(Task.tenant_id == scene.tenant_id)).all()
    chosen = {t.title: (t.customer_id, t.contact_person_id) for t in saved}
    assert chosen["Voiteluöljyt"] == (far_id, olli_id)
    page.close()


def test_the_task_page_asks_why_only_when_a_lost_stage_is_chosen(browser, server, scene, db_engine):
    task_id = scene.tasks["Kahvikone"]
    page = signed_in_page(browser, server, scene.email)
    page.goto(f"{server}/t/{scene.slug}/tasks/{task_id}")
    reason = page.locator("#move-form #lost_reason")
    expect(reason).to_be_hidden()

    page.select_option("#move-form #stage_id", str(scene.stages["lost"]))
    expect(reason).to_be_visible()
    page.select_option("#move-form #stage_id", str(scene.stages["quote"]))
    expect(reason).to_be_hidden()
    page.select_option("#move-form #stage_id", str(scene.stages["lost"]))
    reason.fill("Budjetti loppui")
    with page.expect_navigation():
        page.click("#move-form button[type=submit]")

    task = stored(db_engine, task_id)
    assert (task.stage_id, task.lost_reason) == (scene.stages["lost"], "Budjetti loppui")
    page.close()
