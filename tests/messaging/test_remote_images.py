"""Remote images of received HTML: not loaded by default, shown when the user asks, per message.

The page's content security policy decides what the HTML's frame (a
``srcdoc`` without scripts) may load: images from elsewhere only on the
answer to "show remote images", never on other pages.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from core.db import all_tenants
from core.models import Tenant
from plugins.messaging.incoming import from_bytes
from plugins.messaging.models import Direction, Message, State
from plugins.messaging.receiving import store
from tests.browser import committed_member, needs_chromium, signed_in_page
from tests.messaging.conftest import as_tenant, wait_for

PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def html_mail(image_url: str, number: int = 1) -> bytes:
    message = EmailMessage()
    message["From"] = "uutiskirje@example.org"
    message["To"] = "myynti@acme.example"
    message["Subject"] = "Uutiskirje"
    message["Message-ID"] = f"<images-{number}@example.org>"
    message.set_content("Uutiskirje")
    message.add_alternative(
        f'<p onclick="x()">Uutiset<img src="{image_url}" alt="logo"><script>alert(1)</script></p>',
        subtype="html",
    )
    return message.as_bytes()


def frame(page: Any) -> Any:
    return BeautifulSoup(page.text, "html.parser").select_one("iframe.message-html")


def img_src(policy: str) -> str:
    return next(part for part in policy.split("; ") if part.startswith("img-src"))


def test_remote_images_show_only_on_the_user_s_request_and_only_on_that_answer(
    webapp, acme, login, jobdb, app_secrets
):
    tenant = as_tenant(jobdb, acme.tenant)
    stored = store(jobdb, tenant, app_secrets, from_bytes(html_mail("https://track.example/p.gif")))
    plain = store(
        jobdb, tenant, app_secrets, from_bytes(html_mail("cid:logo@example.org", number=2))
    )
    jobdb.commit()
    login(webapp, "maija@acme.example")

    page = webapp.get(f"/t/acme/messages/{stored.id}")
    assert "track.example" not in page.text
    assert img_src(page.headers["Content-Security-Policy"]) == "img-src 'self' data:"
    link = BeautifulSoup(page.text, "html.parser").select_one("#show-remote-images")
    assert link.text == "Show remote images"

    shown = webapp.get(link["href"])
    assert 'src="https://track.example/p.gif"' in frame(shown)["srcdoc"]
    assert frame(shown).has_attr("sandbox") and not frame(shown)["sandbox"]  # still no scripts
    assert "script" not in frame(shown)["srcdoc"] and "onclick" not in frame(shown)["srcdoc"]
    assert "https:" in img_src(shown.headers["Content-Security-Policy"])
    assert "script-src 'self'" in shown.headers["Content-Security-Policy"]
    # Every other page keeps images to this site.
    for other in ("/t/acme/", f"/t/acme/messages/{stored.id}?images=0"):
        assert img_src(webapp.get(other).headers["Content-Security-Policy"]).endswith("data:")

    # A message without remote images has no switch, and asking changes nothing.
    page = webapp.get(f"/t/acme/messages/{plain.id}?images=1")
    assert page.html.select_one("#show-remote-images") is None
    assert img_src(page.headers["Content-Security-Policy"]) == "img-src 'self' data:"


def test_another_tenant_s_message_with_images_is_not_found(
    webapp, acme, beta, login, jobdb, app_secrets
):
    stored = store(
        jobdb,
        as_tenant(jobdb, beta.tenant),
        app_secrets,
        from_bytes(html_mail("https://track.example/p.gif")),
    )
    jobdb.commit()
    login(webapp, "maija@acme.example")
    webapp.get(f"/t/acme/messages/{stored.id}?images=1", status=404)


@pytest.fixture
def image_server() -> Iterator[Any]:
    """An HTTP server standing for a sender's tracking pixel; ``.hits`` counts its requests."""

    class Pixel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            server.hits += 1
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    server.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@needs_chromium
def test_in_a_browser_the_sender_s_image_loads_only_after_show_remote_images(
    browser, server, db_engine, myynti_registry, image_server
):
    url = f"http://127.0.0.1:{image_server.server_port}/pixel.gif"

    def fill(db: Any, tenants: list[Tenant]) -> int:
        mail = from_bytes(html_mail(url))
        message = Message(
            tenant_id=tenants[0].id,
            direction=Direction.IN,
            state=State.UNROUTED,
            sender=mail.sender,
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            body_html_images=mail.html_with_images,
            message_id=mail.message_id,
            message_key=mail.key,
        )
        with all_tenants(db):
            db.add(message)
            db.flush()
        return message.id

    with committed_member(
        db_engine, myynti_registry, plugins=("messaging", "workflow"), fill=fill
    ) as member:
        page = signed_in_page(browser, server, member.email)
        page.goto(f"{server}/t/{member.slugs[0]}/messages/{member.data}")
        page.click("details:has(iframe.message-html) summary")
        html = page.frame_locator("iframe.message-html")
        expect(html.locator("p")).to_contain_text("Uutiset")
        page.wait_for_load_state("networkidle")
        assert image_server.hits == 0

        page.click("#show-remote-images")
        expect(page.locator("#hide-remote-images")).to_be_visible()
        wait_for(lambda: image_server.hits > 0, timeout=15)
        page.close()
