"""What messaging adds to other pages: menu links, a record's actions and its conversation tab."""

from __future__ import annotations

from typing import Any

from core import Link, Panel
from core.entities import entity_of
from plugins.messaging import _
from plugins.messaging.permissions import MessagingPermission
from plugins.messaging.records import ENTITIES
from plugins.messaging.views.messages import thread_data


def _record_entity(request: Any, context: Any) -> str | None:
    if context is None or request.tenant is None:
        return None
    entity = entity_of(request, context)
    return entity.name if entity is not None and entity.name in ENTITIES else None


def links(request: Any, slot: str, context: Any) -> list[Link]:
    found: list[Link] = []
    if slot == "navigation" and request.has_permission(MessagingPermission.GROUP_SEND):
        found.append(
            Link(
                _("Group messages"),
                request.route_url("group_sends"),
                70,
            )
        )
    if slot == "navigation" and request.has_permission(MessagingPermission.UNROUTED_MANAGE):
        found.append(
            Link(
                _("Unrouted messages"),
                request.route_url("messages_unrouted"),
                71,
            )
        )
    if slot == "navigation" and request.has_permission(MessagingPermission.MESSAGE_VIEW):
        found.append(
            Link(
                _("Digests"),
                request.route_url("message_digest"),
                72,
            )
        )
    if slot == "admin":
        if request.has_permission(MessagingPermission.SETTINGS_MANAGE):
            found.append(
                Link(
                    _("Messaging"),
                    request.route_url("messaging_settings"),
                    50,
                )
            )
            found.append(
                Link(
                    _("Mailboxes"),
                    request.route_url("mailboxes"),
                    52,
                )
            )
        if request.has_permission(MessagingPermission.TEMPLATE_MANAGE):
            found.append(
                Link(
                    _("Message templates"),
                    request.route_url("message_templates"),
                    51,
                )
            )
    if slot == "page_actions" and request.has_permission(MessagingPermission.MESSAGE_SEND):
        entity = _record_entity(request, context)
        if entity is not None:
            found.append(
                Link(
                    _("New message"),
                    request.route_url("message_new", entity=entity, record_id=context.id),
                    60,
                )
            )
    return found


def panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "record_tabs" or not request.has_permission(MessagingPermission.MESSAGE_VIEW):
        return []
    entity = _record_entity(request, context)
    if entity is None:
        return []
    return [
        Panel(
            title=_("Messages"),
            template="plugins.messaging:templates/thread_list.pt",
            data=thread_data(request, entity, context),
            order=20,
            key="messaging-thread",
        )
    ]
