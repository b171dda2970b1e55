"""Turning history events into webhook deliveries, in the transaction that records them.

Every plugin writes its history with ``core.history.record_event``; a session
listener (installed by ``myynti_configure``) sees the new events of a flush and,
for a tenant with the API enabled and subscriptions to those kinds, adds a
delivery and its outbox job. So a delivery exists exactly when the event was
committed, and a rolled-back change posts nothing. Events inserted with bulk
SQL (a campaign's launch) raise no flush event; ``deliveries_for_bulk_events``
(``myynti_records_created_in_bulk``) gives them their deliveries the same way,
a few statements per batch.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.bulk import id_in
from core.db import TenantSession, current_tenant_id
from core.jobs.outbox import enqueue, enqueue_many
from core.licensing import enabled_plugins
from core.models import Event, Tenant, as_utc, utcnow
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
    found = _subscribed(session, tenant_id)
    if found is None:
        return
    tenant, subscriptions = found
    for new in new_events:
        for subscription in subscriptions:
            if new.kind in subscription.events:
                _deliver(session, tenant, subscription, new)


def deliveries_for_bulk_events(session: Session, tenant_id: int, event_ids: list[int]) -> None:
    """The deliveries of history events inserted with bulk SQL, as a flush would have made them.

    One read of the events, one insert of their jobs and one of the
    deliveries, however many events; nothing when the tenant has no
    subscription or the API disabled.
    """
    found = _subscribed(session, tenant_id)
    if found is None:
        return
    tenant, subscriptions = found
    events = Event.__table__
    rows = session.connection().execute(
        select(events)
        .where(events.c.tenant_id == tenant_id, id_in(session.connection(), events.c.id, event_ids))
        .order_by(events.c.id)
    )
    wanted = [
        (subscription, new, uuid.uuid4().hex)
        for new in rows
        for subscription in subscriptions
        if new.kind in subscription.events
    ]
    if not wanted:
        return
    job_ids = enqueue_many(session, tenant, JOB, [{"key": key} for _s, _e, key in wanted])
    session.connection().execute(
        insert(WebhookDelivery.__table__),
        [
            {
                "tenant_id": tenant.id,
                "subscription_id": subscription.id,
                "key": key,
                "event": _name(new),
                "body": _body(tenant, new, key),
                "job_id": job_id,
                "response_body": "",
                "created_at": utcnow(),
            }
            for (subscription, new, key), job_id in zip(wanted, job_ids, strict=True)
        ],
    )


def _subscribed(
    session: Session, tenant_id: int
) -> tuple[Tenant, list[WebhookSubscription]] | None:
    """The tenant and its active subscriptions, or ``None`` if nothing is to be delivered."""
    subscriptions = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.active, WebhookSubscription.paused_at.is_(None)
        )
    ).all()
    if not subscriptions:
        return None
    tenant = session.get(Tenant, tenant_id)
    if tenant is None or API_PLUGIN not in enabled_plugins(session, tenant):
        return None
    return tenant, list(subscriptions)


def _name(new: Any) -> str:
    return f"{new.entity}.{new.kind}"


def _body(tenant: Tenant, new: Any, key: str) -> str:
    """The posted JSON of event ``new`` (an ``Event`` or a row of its table)."""
    body = {
        "id": key,
        "event": _name(new),
        "entity": new.entity,
        "record_id": new.record_id,
        "kind": new.kind,
        "occurred_at": as_utc(new.at).isoformat(),
        "tenant": tenant.slug,
        "actor": new.actor_label,
        "data": new.payload,
    }
    return json.dumps(body, ensure_ascii=False, default=str)


def _deliver(
    session: Session, tenant: Tenant, subscription: WebhookSubscription, new: Event
) -> None:
    key = uuid.uuid4().hex
    delivery = WebhookDelivery(
        tenant_id=tenant.id,
        subscription_id=subscription.id,
        key=key,
        event=_name(new),
        body=_body(tenant, new, key),
    )
    delivery.job_id = enqueue(session, tenant, JOB, {"key": key})
    session.add(delivery)
