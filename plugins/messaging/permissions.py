"""The messaging plugin's permissions, named ``messaging:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.messaging import _

BOTH = ("admin", "member")


class MessagingPermission(StrEnum):
    MESSAGE_VIEW = "messaging:message:view"
    MESSAGE_SEND = "messaging:message:send"
    GROUP_SEND = "messaging:group:send"
    UNROUTED_MANAGE = "messaging:unrouted:manage"
    TEMPLATE_MANAGE = "messaging:template:manage"
    SETTINGS_MANAGE = "messaging:settings:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        titles = {
            cls.MESSAGE_VIEW: (
                _("See messages"),
                BOTH,
            ),
            cls.MESSAGE_SEND: (
                _("Send messages"),
                BOTH,
            ),
            cls.GROUP_SEND: (
                _("Send group messages"),
                ("admin",),
            ),
            cls.UNROUTED_MANAGE: (
                _("Assign received messages"),
                BOTH,
            ),
            cls.TEMPLATE_MANAGE: (
                _("Manage message templates"),
                ("admin",),
            ),
            cls.SETTINGS_MANAGE: (
                _("Manage messaging settings"),
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
