"""The job that posts one delivery: signed, to a URL checked again, with a timeout.

A failed attempt raises, so the outbox retries it with its backoff and keeps the
reason (the job's last error, shown with the delivery). A subscription whose
last ``PAUSE_AFTER`` deliveries all failed for good is paused before the next
one, and its admin sees a notice until they resume it.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.credentials import decrypt
from core.jobs.outbox import queue_of
from core.models import Job, JobState, Tenant, utcnow
from plugins.api.models import WebhookDelivery, WebhookSubscription
from plugins.api.webhooks import signing
from plugins.api.webhooks.urls import UrlRefused, allowed_hosts, check_url

#: Deliveries failed for good, in a row, that pause a subscription.
PAUSE_AFTER = 5
#: How much of a receiver's answer is kept.
ANSWER_KEPT = 2000
DEFAULT_TIMEOUT = 10.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the receiver's answer, not a new address to post to (it may be private)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirects)


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
        check_url(subscription.url, allowed_hosts(settings))
    except UrlRefused as exc:
        raise DeliveryFailed(f"refused address: {exc.args[0]}") from None
    status, answer = _post(subscription, delivery, settings)
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


def _post(
    subscription: WebhookSubscription, delivery: WebhookDelivery, settings: dict[str, Any]
) -> tuple[int, str]:
    body = delivery.body.encode("utf-8")
    secret = decrypt(settings, subscription.secret)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked: http(s) only
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Myynti-Webhooks/1",
            "X-Myynti-Event": delivery.event,
            "X-Myynti-Delivery": delivery.key,
            "X-Myynti-Signature": signing.signature(secret, int(time.time()), body),
        },
    )
    timeout = float(settings.get("myynti.webhook_timeout") or DEFAULT_TIMEOUT)
    try:
        with OPENER.open(request, timeout=timeout) as answer:
            return answer.status, answer.read(ANSWER_KEPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(ANSWER_KEPT).decode("utf-8", "replace")
    except TimeoutError:
        raise DeliveryFailed(f"no answer in {timeout:g} s") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"could not connect: {reason}") from None
