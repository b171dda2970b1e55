"""Turning history events into webhook deliveries, in the transaction that records them.

Every plugin writes its history with ``core.history.record_event``; a session
listener (installed by ``myynti_configure``) sees the new events of a flush and,
for a tenant with the API enabled and subscriptions to those kinds, adds a
delivery and its outbox job. So a delivery exists exactly when the event was
committed, and a rolled-back change posts nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import TenantSession, current_tenant_id
from core.jobs.outbox import enqueue
from core.licensing import enabled_plugins
from core.models import Event, Tenant, as_utc
from plugins.api.models import WebhookDelivery, WebhookSubscription

JOB = "api.webhook_deliver"
API_PLUGIN = "api"


def install() -> None:
    """Listen to every tenant session's flushes (once per process)."""
    if not sa_event.contains(TenantSession, "after_flush", deliveries_for_new_events):
        sa_event.listen(TenantSession, "after_flush", deliveries_for_new_events)


def deliveries_for_new_events(session: Session, _flush_context: Any) -> None:
    tenant_id = current_tenant_id(session)
    new_events = [
        obj for obj in session.new if isinstance(obj, Event) and obj.tenant_id == tenant_id
    ]
    if not new_events or tenant_id is None:
        return
    subscriptions = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.active, WebhookSubscription.paused_at.is_(None)
        )
    ).all()
    if not subscriptions:
        return
    tenant = session.get(Tenant, tenant_id)
    if tenant is None or API_PLUGIN not in enabled_plugins(session, tenant):
        return
    for new in new_events:
        for subscription in subscriptions:
            if new.kind in subscription.events:
                _deliver(session, tenant, subscription, new)


def _deliver(
    session: Session, tenant: Tenant, subscription: WebhookSubscription, new: Event
) -> None:
    key = uuid.uuid4().hex
    name = f"{new.entity}.{new.kind}"
    body = {
        "id": key,
        "event": name,
        "entity": new.entity,
        "record_id": new.record_id,
        "kind": new.kind,
        "occurred_at": as_utc(new.at).isoformat(),
        "tenant": tenant.slug,
        "actor": new.actor_label,
        "data": new.payload,
    }
    delivery = WebhookDelivery(
        tenant_id=tenant.id,
        subscription_id=subscription.id,
        key=key,
        event=name,
        body=json.dumps(body, ensure_ascii=False, default=str),
    )
    delivery.job_id = enqueue(session, tenant, JOB, {"key": key})
    session.add(delivery)
