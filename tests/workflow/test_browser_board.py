"""The board in a real browser: Chromium (Debian's) driven by Playwright, over real HTTP.

The app runs in a waitress thread on the test database; the browser's requests
use the app's own connections, so the data is committed (not inside a test's
rolled-back transaction) and deleted afterwards. Skipped only where
``/usr/bin/chromium`` is not installed; CI installs it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from core.app import make_config
from core.db import all_tenants, make_session_factory
from core.licensing import enable_plugin
from core.models import Membership, Role, Tenant, User
from core.passwords import hash_password
from core.testing import PASSWORD
from plugins.workflow.models import Task
from tests.workflow_plugins.fixtures import add_task, make_board

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")


@pytest.fixture(scope="module")
def server(app_settings, myynti_registry, db_engine) -> Iterator[str]:
    """The app served over HTTP by waitress in a thread; its base URL."""
    from waitress import create_server

    wsgi = make_config(app_settings, registry=myynti_registry, engine=db_engine).make_wsgi_app()
    http = create_server(wsgi, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=http.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.effective_port}"
    http.close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Scene:
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
            tenant.slug,
            user.email,
            board.workflow.id,
            {key: stage.id for key, stage in board.stages.items()},
            tasks,
        )
        tenant_id, user_id = tenant.id, user.id
    yield made
    with factory.begin() as db, all_tenants(db):
        db.execute(delete(Tenant).where(Tenant.id == tenant_id))
        db.execute(delete(User).where(User.id == user_id))


def stored(db_engine, task_id: int) -> Task:
    with make_session_factory(db_engine)() as db, all_tenants(db):
        task = db.get(Task, task_id)
        db.expunge(task)
        return task


def open_board(browser, server: str, scene: Scene) -> Any:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", scene.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
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
    from playwright.sync_api import expect

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
