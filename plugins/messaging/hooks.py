"""Messaging's hook implementations: what it tells core and the other plugins."""

from __future__ import annotations

from typing import Any

from core import (
    EventKind,
    JobType,
    Link,
    OutgoingMessage,
    Panel,
    PeriodicJob,
    Permission,
    StageAction,
    hookimpl,
)
from plugins.messaging import (
    _,
    digests,
    groups,
    hookspecs,
    outbox,
    polling,
    service,
    sms,
    stage_action,
)
from plugins.messaging.permissions import MessagingPermission
from plugins.messaging.views import slots
from plugins.messaging.views.unsubscribe import UNSUBSCRIBED

_EVENT = "plugins.messaging:templates/event_message.pt"


@hookimpl
def myynti_addhooks(pluginmanager: Any) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.messaging.routes")


@hookimpl
def myynti_links(request: Any, slot: str, context: Any) -> list[Link]:
    return slots.links(request, slot, context)


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return slots.panels(request, slot, context)


@hookimpl
def myynti_sms_gateways() -> list[sms.SmsGateway]:
    return [sms.BUILT_IN]


@hookimpl
def myynti_permissions() -> list[Permission]:
    return MessagingPermission.declarations()


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [
        EventKind(
            outbox.MESSAGE_OUT,
            _("Message sent"),
            "✉",
            _EVENT,
        ),
        EventKind(
            outbox.MESSAGE_IN,
            _("Message received"),
            "📨",
            _EVENT,
        ),
        EventKind(
            outbox.MESSAGE_FAILED,
            _("Message not delivered"),
            "⚠",
            _EVENT,
        ),
        EventKind(
            UNSUBSCRIBED,
            _("Unsubscribed from marketing"),
            "🚫",
        ),
    ]


@hookimpl
def myynti_jobs() -> list[JobType]:
    return [
        JobType(outbox.SEND_JOB, outbox.send),
        JobType(groups.GROUP_JOB, groups.fan_out),
        JobType(digests.DIGEST_JOB, digests.send_digest),
        JobType(polling.POLL_JOB, polling.poll),
    ]


@hookimpl
def myynti_periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob(digests.DIGESTS, 3600, digests.due_subscriptions),
        PeriodicJob(polling.POLL_ALL, polling.POLL_INTERVAL, polling.enqueue_polls),
    ]


@hookimpl
def myynti_stage_actions(request: Any) -> list[StageAction]:
    return [stage_action.ACTION]


@hookimpl
def myynti_message_templates(db: Any, tenant: Any, channel: str) -> list[tuple[str, Any]]:
    return service.template_choices(db, tenant, channel)


@hookimpl
def myynti_send_message(db: Any, tenant: Any, message: OutgoingMessage) -> int:
    return service.send_message(db, tenant, message)
