"""The campaigns plugin's permissions, named ``campaigns:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission

BOTH = ("admin", "member")


class CampaignsPermission(StrEnum):
    VIEW = "campaigns:campaign:view"
    MANAGE = "campaigns:campaign:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.VIEW,
                {"fi": "Näe kampanjat", "sv": "Se kampanjer", "en": "See campaigns"},
                BOTH,
            ),
            Permission(
                cls.MANAGE,
                {
                    "fi": "Luo ja käynnistä kampanjoita",
                    "sv": "Skapa och starta kampanjer",
                    "en": "Create and launch campaigns",
                },
                BOTH,
            ),
        ]
