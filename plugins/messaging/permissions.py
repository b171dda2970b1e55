"""The messaging plugin's permissions, named ``messaging:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission

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
                {"fi": "Näe viestit", "sv": "Se meddelanden", "en": "See messages"},
                BOTH,
            ),
            cls.MESSAGE_SEND: (
                {"fi": "Lähetä viestejä", "sv": "Skicka meddelanden", "en": "Send messages"},
                BOTH,
            ),
            cls.GROUP_SEND: (
                {
                    "fi": "Lähetä joukkoviestejä",
                    "sv": "Skicka gruppmeddelanden",
                    "en": "Send group messages",
                },
                ("admin",),
            ),
            cls.UNROUTED_MANAGE: (
                {
                    "fi": "Kohdista saapuneita viestejä",
                    "sv": "Koppla inkomna meddelanden",
                    "en": "Assign received messages",
                },
                BOTH,
            ),
            cls.TEMPLATE_MANAGE: (
                {
                    "fi": "Hallitse viestipohjia",
                    "sv": "Hantera meddelandemallar",
                    "en": "Manage message templates",
                },
                ("admin",),
            ),
            cls.SETTINGS_MANAGE: (
                {
                    "fi": "Hallitse viestinnän asetuksia",
                    "sv": "Hantera meddelandeinställningar",
                    "en": "Manage messaging settings",
                },
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
