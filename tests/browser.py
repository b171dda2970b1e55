"""Browser tests' fixtures: Chromium (Debian's) driven by Playwright, the app over real HTTP.

The app runs in a waitress thread on the test database; the browser's requests
use the app's own connections, so a test's data is committed (not inside a
test's rolled-back transaction) and the test deletes it afterwards. A module
of browser tests sets ``pytestmark = needs_chromium``: skipped only where
``/usr/bin/chromium`` is not installed; CI installs it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.app import make_config
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
