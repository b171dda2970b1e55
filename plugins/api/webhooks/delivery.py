"""The job that posts one delivery: signed, to a URL checked again, with a timeout.

The check resolves the URL's host once, and the post connects to the address
it checked (TLS still verifies the certificate against the host's name), so a
name that answers a public address to the check and a private one to the
connection (DNS rebinding) reaches nothing inside. No proxy from the
environment is used: a proxy would look the name up again itself.

A failed attempt raises, so the outbox retries it with its backoff and keeps the
reason (the job's last error, shown with the delivery). A subscription whose
last ``PAUSE_AFTER`` deliveries all failed for good is paused before the next
one, and its admin sees a notice until they resume it.
"""

from __future__ import annotations

import http.client
import socket
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


def _pinned(connection: type[http.client.HTTPConnection], address: str) -> Any:
    """``connection`` that connects to ``address`` whatever its host name resolves to."""

    class Pinned(connection):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = lambda target, *rest: socket.create_connection(
                (address, target[1]), *rest
            )

    return Pinned


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        connection = _pinned(http.client.HTTPSConnection, self.address)
        return self.do_open(connection, req, context=self._context)


def opener(target: Target) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect, uses no proxy, and connects to the checked address."""
    handlers: list[Any] = [urllib.request.ProxyHandler({}), _NoRedirects]
    if target.address is not None:
        handlers += [_PinnedHTTP(target.address), _PinnedHTTPS(target.address)]
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
    try:
        with opener(target).open(request, timeout=timeout) as answer:
            return answer.status, answer.read(ANSWER_KEPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(ANSWER_KEPT).decode("utf-8", "replace")
    except TimeoutError:
        raise DeliveryFailed(f"no answer in {timeout:g} s") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"could not connect: {reason}") from None
