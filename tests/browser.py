"""Browser tests' fixtures: Chromium (Debian's) driven by Playwright, the app over real HTTP.

The app runs in a waitress thread on the test database; the browser's requests
use the app's own connections, so a test's data is committed (not inside a
test's rolled-back transaction) and the test deletes it afterwards. A module
of browser tests sets ``pytestmark = needs_chromium``: skipped only where
``/usr/bin/chromium`` is not installed; CI installs it.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"
)

#: Where browser tests leave screenshots for a reviewer to open (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
#: The sizes every screenshot is taken at: a laptop and a phone.
SCREEN_SIZES = ({"width": 1366, "height": 800}, {"width": 390, "height": 844})


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


#: How long a page or an ``expect`` waits for what it is told to: long enough for a
#: CI machine running the whole suite on every core.
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def signed_in_page(browser: Any, server: str, email: str) -> Any:
    """A new page of ``browser``, signed in as ``email`` through the login form."""
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    return page


def keep_screenshots(page: Any, name: str) -> list[Path]:
    """Save ``page`` as it is now at each of ``SCREEN_SIZES``; the viewport is put back.

    Files are ``test-artifacts/screenshots/<name>-<width>x<height>.png``, whole pages,
    overwritten by the next run.
    """
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    paths = []
    for size in SCREEN_SIZES:
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{stem}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    if before:
        page.set_viewport_size(before)
    return paths


@dataclass(frozen=True)
class CommittedMember:
    email: str
    slugs: list[str]
    #: What the ``fill`` function returned.
    data: Any


@contextmanager
def committed_member(
    db_engine: Any,
    registry: Any,
    tenants: int = 1,
    plugins: tuple[str, ...] | None = None,
    role: str = Role.ADMIN,
    locale: str = "en",
    fill: Callable[[Any, list[Tenant]], Any] | None = None,
) -> Iterator[CommittedMember]:
    """A user with ``role`` in new tenants, committed for a browser to see; deleted after.

    The tenants enable ``plugins`` (every licensed plugin by default) with what they
    depend on. ``fill(db, tenants)`` adds the test's own rows in the same transaction.
    """
    factory = make_session_factory(db_engine)
    suffix = uuid.uuid4().hex[:8]
    wanted = plugins if plugins is not None else [p.name for p in registry.plugins if p.licensed]
    with factory.begin() as db:
        user = User(
            email=f"member-{suffix}@example.com",
            name="Maija Member",
            password_hash=hash_password(PASSWORD),
            locale=locale,
        )
        made = [
            Tenant(slug=f"t{n}-{suffix}", name=f"Testi {n} Oy", licence={}) for n in range(tenants)
        ]
        db.add_all([user, *made])
        db.flush()
        for tenant in made:
            for name in wanted:
                enable_plugin(db, registry, tenant, name, with_dependencies=True)
            with all_tenants(db):
                db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=role))
                db.flush()
        data = fill(db, made) if fill is not None else None
        member = CommittedMember(user.email, [t.slug for t in made], data)
        ids = (user.id, [t.id for t in made])
    try:
        yield member
    finally:
        with factory.begin() as db, all_tenants(db):
            db.execute(delete(Tenant).where(Tenant.id.in_(ids[1])))
            db.execute(delete(User).where(User.id == ids[0]))
