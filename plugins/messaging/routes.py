"""The messaging plugin's routes (``includeme``); its views are in ``views/``."""

from __future__ import annotations

from typing import Any

RECORD = "/{entity}/{record_id:\\d+}"


def includeme(config: Any) -> None:
    config.add_tenant_route("message_new", "/messages/new" + RECORD)
    config.add_tenant_route("sms_new", "/messages/sms" + RECORD)
    config.add_tenant_route("message_thread", "/messages/on" + RECORD)
    config.add_tenant_route("message", "/messages/{id:\\d+}")
    config.add_tenant_route("message_resend", "/messages/{id:\\d+}/resend")
    config.add_tenant_route("messaging_settings", "/settings/messaging")
    config.add_tenant_route("message_templates", "/settings/message-templates")
    config.add_tenant_route("message_template_new", "/settings/message-templates/new")
    config.add_tenant_route("message_template", "/settings/message-templates/{id:\\d+}")
    config.add_tenant_route(
        "message_template_delete", "/settings/message-templates/{id:\\d+}/delete"
    )
    config.add_tenant_route(
        "message_template_preview", "/settings/message-templates/{id:\\d+}/preview"
    )
    config.add_tenant_route("messages_unrouted", "/messages/unrouted")
    config.add_tenant_route("message_assign", "/messages/{id:\\d+}/assign")
    config.add_tenant_route("mailboxes", "/settings/mailboxes")
    config.add_tenant_route("mailbox_new", "/settings/mailboxes/new")
    config.add_tenant_route("mailbox", "/settings/mailboxes/{id:\\d+}")
    config.add_tenant_route("message_digest", "/messages/digest")
    config.add_tenant_route("group_send", "/messages/group")
    config.add_tenant_route("group_sends", "/messages/groups")
    config.add_tenant_route("group_progress", "/messages/groups/{id:\\d+}")
    # Public: the unsubscribe link of marketing mail (no sign-in; the token names the tenant).
    config.add_route("messaging_unsubscribe", "/u/{token}")
    config.scan("plugins.messaging.views")
