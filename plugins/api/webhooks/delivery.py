"""The job that posts one delivery: signed, to a URL checked again, within a time limit.

The check resolves the URL's host once, and the post connects to the address
it checked (TLS still verifies the certificate against the host's name), so a
name that answers a public address to the check and a private one to the
connection (DNS rebinding) reaches nothing inside. No proxy from the
environment is used: a proxy would look the name up again itself. The time
limit holds for the whole post, so a receiver that answers a byte at a time
cannot hold the worker.

A failed attempt raises, so the outbox retries it with its backoff and keeps the
reason (the job's last error, shown with the delivery). A subscription whose
last ``PAUSE_AFTER`` deliveries all failed for good is paused before the next
one, and its admin sees a notice until they resume it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.credentials import decrypt
from core.jobs.outbox import queue_of
from core.models import Job, JobState, Tenant, utcnow
from plugins.api.models import WebhookDelivery, WebhookSubscription
from plugins.api.webhooks import signing
from plugins.api.webhooks.urls import Target, UrlRefused, allowed_hosts, resolve

#: Deliveries failed for good, in a row, that pause a subscription.
PAUSE_AFTER = 5
#: How much of a receiver's answer is kept.
ANSWER_KEPT = 2000
DEFAULT_TIMEOUT = 10.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the receiver's answer, not a new address to post to (it may be private)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Deadline:
    """The whole post's time limit: when it passes, the post's sockets are shut down.

    A socket's own timeout bounds each read, so a receiver that sends a byte
    now and then would hold the worker for as long as it likes; this bounds the
    connection, the request and the answer together.
    """

    def __init__(self, seconds: float) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        self.expired = True
        for sock in self.sockets:
            self.shut(sock)

    @staticmethod
    def shut(sock: socket.socket) -> None:
        """End both ways of ``sock``: a read blocked on it returns at once."""
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _bounded(
    connection: type[http.client.HTTPConnection], address: str | None, deadline: _Deadline
) -> Any:
    """``connection`` under ``deadline``, connecting to ``address`` (when given) whatever its
    host name resolves to."""

    class Bounded(connection):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if address is not None:
                self._create_connection = lambda target, *rest: socket.create_connection(
                    (address, target[1]), *rest
                )

        def connect(self) -> None:
            super().connect()
            deadline.sockets.append(self.sock)
            if deadline.expired:
                deadline.shut(self.sock)

    return Bounded


class _BoundedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str | None, deadline: _Deadline) -> None:
        super().__init__()
        self.address = address
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_bounded(http.client.HTTPConnection, self.address, self.deadline), req)


class _BoundedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str | None, deadline: _Deadline) -> None:
        super().__init__()
        self.address = address
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        connection = _bounded(http.client.HTTPSConnection, self.address, self.deadline)
        return self.do_open(connection, req, context=self._context)


def opener(target: Target, deadline: _Deadline) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect, uses no proxy, connects to the checked address
    and gives up at ``deadline``."""
    handlers: list[Any] = [
        urllib.request.ProxyHandler({}),
        _NoRedirects,
        _BoundedHTTP(target.address, deadline),
        _BoundedHTTPS(target.address, deadline),
    ]
    return urllib.request.build_opener(*handlers)


class DeliveryFailed(RuntimeError):
    """The receiver did not take the delivery; the message says what it answered."""


def deliver(db: Session, tenant: Tenant, payload: dict[str, Any]) -> None:
    delivery = db.scalar(select(WebhookDelivery).where(WebhookDelivery.key == payload["key"]))
    if delivery is None or delivery.delivered_at is not None:
        return
    subscription = db.get(WebhookSubscription, delivery.subscription_id)
    if subscription is None or not subscription.active or subscription.paused_at is not None:
        return
    if keeps_failing(db, subscription, delivery):
        subscription.paused_at = utcnow()
        return
    settings = queue_of(db).settings
    try:
        target = resolve(subscription.url, allowed_hosts(settings))
    except UrlRefused as exc:
        raise DeliveryFailed(f"refused address: {exc.args[0]}") from None
    body = delivery.body.encode("utf-8")
    secret = decrypt(settings, subscription.secret)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Myynti-Webhooks/1",
        "X-Myynti-Event": delivery.event,
        "X-Myynti-Delivery": delivery.key,
        "X-Myynti-Signature": signing.signature(secret, int(time.time()), body),
    }
    timeout = float(settings.get("myynti.webhook_timeout") or DEFAULT_TIMEOUT)
    status, answer = post(target, body, headers, timeout)
    delivery.response_status = status
    delivery.response_body = answer
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}: {answer[:200]}")
    delivery.delivered_at = utcnow()


def keeps_failing(db: Session, subscription: WebhookSubscription, current: WebhookDelivery) -> bool:
    """Whether the subscription's last ``PAUSE_AFTER`` deliveries before this one all failed."""
    states = db.scalars(
        select(Job.state)
        .join(WebhookDelivery, WebhookDelivery.job_id == Job.id)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.id < current.id,
        )
        .order_by(WebhookDelivery.id.desc())
        .limit(PAUSE_AFTER)
    ).all()
    return len(states) == PAUSE_AFTER and all(state == JobState.FAILED for state in states)


def post(
    target: Target, body: bytes, headers: Mapping[str, str], timeout: float
) -> tuple[int, str]:
    """POST ``body`` to the checked ``target``: the status and the start of the answer."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked: http(s) only
        target.url, data=body, method="POST", headers=dict(headers)
    )
    with _Deadline(timeout) as deadline:
        try:
            with opener(target, deadline).open(request, timeout=timeout) as answer:
                status, text = answer.status, answer.read(ANSWER_KEPT)
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read(ANSWER_KEPT)
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            if deadline.expired or isinstance(exc, TimeoutError):
                raise DeliveryFailed(f"no answer in {timeout:g} s") from None
            reason = getattr(exc, "reason", exc)
            if isinstance(exc, http.client.HTTPException):
                raise DeliveryFailed(f"not an HTTP answer: {reason!r}"[:200]) from None
            raise DeliveryFailed(f"could not connect: {reason}") from None
    if deadline.expired:
        raise DeliveryFailed(f"no answer in {timeout:g} s")
    return status, text.decode("utf-8", "replace")
