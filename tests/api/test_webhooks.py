"""Webhooks: subscribed on the settings page, posted signed by the outbox, paused when failing.

The receiver is a real HTTP server on loopback (allowed through
``myynti.webhook_private_hosts`` for these tests; the refusal of private
addresses has its own test with the setting empty).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from core.db import set_tenant
from core.jobs.outbox import queue_of
from core.models import Job, JobState
from core.testing import run_jobs
from plugins.api.models import WebhookDelivery, WebhookSubscription
from plugins.api.webhooks import signing
from plugins.api.webhooks.delivery import PAUSE_AFTER, DeliveryFailed, post
from plugins.api.webhooks.events import JOB
from plugins.api.webhooks.urls import Target, UrlRefused, resolve
from tests.api.conftest import bearer, make_token


class Receiver:
    """A loopback HTTP server that records what is posted and answers as told."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"kiitos" if receiver.status < 300 else b"rikki")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(webapp: Any, job_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    server = Receiver()
    for settings in (webapp.app.registry.settings, queue_of(job_db).settings):
        monkeypatch.setitem(settings, "myynti.webhook_private_hosts", "127.0.0.1")
        monkeypatch.setitem(settings, "myynti.webhook_timeout", "1")
    yield server
    server.close()


def subscribe(webapp: Any, url: str, events: list[str]) -> Any:
    form = webapp.get("/t/acme/settings/webhooks").forms["webhook-form"]
    form["url"] = url
    form["events"] = events
    return form.submit(status="*")


def create_customer(webapp: Any, db: Any, acme: Any, name: str) -> int:
    token = make_token(db, acme.tenant, acme.admin, scopes=("contacts:write",))
    answer = webapp.post_json(acme.url("/customers"), {"name": name}, headers=bearer(token))
    return answer.json["id"]


def test_an_event_is_posted_signed_once_with_its_record(
    webapp: Any, db: Any, job_db: Any, login: Any, acme: Any, receiver: Receiver
) -> None:
    login(webapp, "anna@acme.example")
    page = subscribe(webapp, receiver.url, ["created"])
    secret = page.html.select_one("code.token").get_text()

    customer_id = create_customer(webapp, db, acme, "Kahvila Kulma")
    ran = run_jobs(job_db, acme.tenant, JOB)

    assert [job.state for job in ran] == [JobState.DONE]
    [(headers, body)] = receiver.received
    event = json.loads(body)
    assert (event["event"], event["record_id"], event["tenant"]) == (
        "customer.created",
        customer_id,
        "acme",
    )
    assert signing.verify(secret, headers["X-Myynti-Signature"], body, int(time.time()))
    assert not signing.verify("whsec_other", headers["X-Myynti-Signature"], body, int(time.time()))
    assert headers["X-Myynti-Delivery"] == event["id"]
    assert run_jobs(job_db, acme.tenant, JOB) == []


def test_a_failing_receiver_is_retried_and_its_answer_shown(
    webapp: Any, db: Any, job_db: Any, login: Any, acme: Any, receiver: Receiver
) -> None:
    login(webapp, "anna@acme.example")
    subscribe(webapp, receiver.url, ["created"])
    receiver.status = 503

    create_customer(webapp, db, acme, "Kahvila Kulma")
    [job] = run_jobs(job_db, acme.tenant, JOB)

    assert job.state == JobState.PENDING
    assert job.last_error == "HTTP 503: rikki"
    set_tenant(db, acme.tenant.id)
    subscription = db.scalar(select(WebhookSubscription))
    page = webapp.get(f"/t/acme/settings/webhooks/{subscription.id}")
    assert "HTTP 503: rikki" in page.text


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(
    webapp: Any, db: Any, job_db: Any, login: Any, acme: Any, receiver: Receiver
) -> None:
    login(webapp, "anna@acme.example")
    subscribe(webapp, receiver.url, ["created"])
    receiver.delay = 2.0

    create_customer(webapp, db, acme, "Hidas Oy")
    [job] = run_jobs(job_db, acme.tenant, JOB)

    assert job.state == JobState.PENDING
    assert job.last_error == "no answer in 1 s"


def test_a_private_address_is_refused_by_the_field(
    webapp: Any, db: Any, login: Any, acme: Any
) -> None:
    login(webapp, "anna@acme.example")

    page = subscribe(webapp, "http://127.0.0.1:9/hook", ["created"])
    other = subscribe(webapp, "ftp://example.fi/hook", ["created"])

    assert page.status_int == 400
    assert "The address points into a private network." in page.text
    assert page.forms["webhook-form"]["url"].value == "http://127.0.0.1:9/hook"
    assert "Give an address such as https://example.fi/hooks." in other.text
    set_tenant(db, acme.tenant.id)
    assert db.query(WebhookSubscription).count() == 0


def test_a_name_that_resolves_to_loopback_at_delivery_is_refused_though_it_was_accepted(
    webapp: Any,
    db: Any,
    job_db: Any,
    login: Any,
    acme: Any,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The name was accepted when subscribed; when delivered, it resolves into loopback."""
    settings = (webapp.app.registry.settings, queue_of(job_db).settings)
    for each in settings:
        monkeypatch.setitem(each, "myynti.webhook_private_hosts", "127.0.0.1 localhost")
    login(webapp, "anna@acme.example")
    port = receiver.server.server_port
    assert subscribe(webapp, f"http://localhost:{port}/hook", ["created"]).status_int == 200
    for each in settings:
        monkeypatch.setitem(each, "myynti.webhook_private_hosts", "127.0.0.1")

    create_customer(webapp, db, acme, "Kahvila Kulma")
    [job] = run_jobs(job_db, acme.tenant, JOB)

    assert job.state == JobState.PENDING
    assert job.last_error == "refused address: The address points into a private network."
    assert receiver.received == []


def test_a_delivery_connects_to_the_address_it_checked_not_a_second_lookup(
    receiver: Receiver,
) -> None:
    """``.invalid`` never resolves (RFC 6761): the post reaches the receiver by the address."""
    port = receiver.server.server_port
    target = Target(f"http://hooks.invalid:{port}/hook", "127.0.0.1")

    status, answer = post(target, b"{}", {"Content-Type": "application/json"}, 1.0)

    assert (status, answer) == (200, "kiitos")
    [(headers, _body)] = receiver.received
    assert headers["Host"] == f"hooks.invalid:{port}"


def test_a_url_resolves_to_the_address_it_was_checked_by() -> None:
    assert resolve("https://93.184.215.14/hooks") == Target(
        "https://93.184.215.14/hooks", "93.184.215.14"
    )
    assert resolve("http://127.0.0.1:9/hook", ["127.0.0.1"]).address is None
    with pytest.raises(UrlRefused):
        resolve("http://localhost:9/hook")


def test_a_webhook_that_keeps_failing_is_paused_with_a_notice(
    webapp: Any, db: Any, job_db: Any, login: Any, acme: Any, receiver: Receiver
) -> None:
    login(webapp, "anna@acme.example")
    subscribe(webapp, receiver.url, ["created"])
    for n in range(PAUSE_AFTER):
        create_customer(webapp, db, acme, f"Asiakas {n}")
    set_tenant(db, acme.tenant.id)
    for job in db.scalars(select(Job).where(Job.name == JOB)):
        job.state = JobState.FAILED
    db.flush()

    create_customer(webapp, db, acme, "Viimeinen")
    run_jobs(job_db, acme.tenant, JOB)

    subscription = db.scalar(select(WebhookSubscription))
    db.refresh(subscription)
    assert subscription.paused_at is not None
    assert receiver.received == []
    dashboard = webapp.get("/t/acme/")
    assert receiver.url in dashboard.text
    page = webapp.get(f"/t/acme/settings/webhooks/{subscription.id}")
    resume = next(f for f in page.forms.values() if f.action.endswith("/resume"))
    resume.submit().follow()
    db.refresh(subscription)
    assert subscription.paused_at is None


def test_another_tenants_events_and_webhooks_stay_theirs(
    webapp: Any, db: Any, job_db: Any, login: Any, acme: Any, beta: Any, receiver: Receiver
) -> None:
    login(webapp, "anna@beta.example")
    form = webapp.get("/t/beta/settings/webhooks").forms["webhook-form"]
    form["url"] = receiver.url
    form["events"] = ["created"]
    form.submit()
    set_tenant(db, beta.tenant.id)
    beta_hook = db.scalar(select(WebhookSubscription))

    create_customer(webapp, db, acme, "Acmen asiakas")
    login(webapp, "anna@acme.example")
    page = webapp.get("/t/acme/settings/webhooks")

    assert run_jobs(job_db, acme.tenant, JOB) == []
    set_tenant(db, acme.tenant.id)
    assert db.query(WebhookDelivery).count() == 0
    assert receiver.url not in page.text
    webapp.get(f"/t/acme/settings/webhooks/{beta_hook.id}", status=404)
    token = page.forms["webhook-form"]["csrf_token"].value
    webapp.post(
        f"/t/acme/settings/webhooks/{beta_hook.id}/delete", {"csrf_token": token}, status=404
    )


def test_a_member_cannot_manage_webhooks(webapp: Any, login: Any, acme: Any) -> None:
    login(webapp, "maija@acme.example")

    webapp.get("/t/acme/settings/webhooks", status=403)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "https://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://127.1/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused) as refused:
        resolve(url)
    assert refused.value.args[0] == "The address points into a private network."


class SilentServer:
    """A loopback TCP server that takes the connection and then answers as ``answer`` says:
    never (``None``), or the status line and a header one byte at a time, every ``pace`` s."""

    def __init__(self, answer: bytes | None, pace: float = 0.2) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answer = answer
        self.pace = pace
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _address = self.listener.accept()
        with connection:
            connection.recv(65536)
            if self.answer is not None:
                connection.sendall(self.answer)
                while not self.stop.wait(self.pace):
                    try:
                        connection.sendall(b"x")
                    except OSError:
                        return
            self.stop.wait(10)

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.mark.parametrize(
    "answer", [None, b"HTTP/1.1 200 OK\r\nX-Slow: "], ids=["never", "byte-at-a-time"]
)
def test_a_receiver_that_never_answers_or_dribbles_is_cut_off_at_the_time_limit(
    answer: bytes | None,
) -> None:
    server = SilentServer(answer)
    target = Target(f"http://hooks.invalid:{server.port}/hook", "127.0.0.1")
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryFailed) as failed:
            post(target, b"{}", {"Content-Type": "application/json"}, 1.0)
    finally:
        server.close()

    assert str(failed.value) == "no answer in 1 s"
    assert time.monotonic() - started < 2.5


def test_a_receiver_that_answers_slowly_within_the_time_limit_gets_the_delivery(
    webapp: Any, db: Any, job_db: Any, login: Any, acme: Any, receiver: Receiver
) -> None:
    login(webapp, "anna@acme.example")
    subscribe(webapp, receiver.url, ["created"])
    receiver.delay = 0.5

    create_customer(webapp, db, acme, "Verkkainen Oy")
    [job] = run_jobs(job_db, acme.tenant, JOB)

    assert job.state == JobState.DONE
    set_tenant(db, acme.tenant.id)
    delivery = db.scalar(select(WebhookDelivery))
    assert delivery.delivered_at is not None
    assert delivery.response_body == "kiitos"
