"""The campaigns plugin's permissions, named ``campaigns:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.campaigns import _

BOTH = ("admin", "member")


class CampaignsPermission(StrEnum):
    VIEW = "campaigns:campaign:view"
    MANAGE = "campaigns:campaign:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.VIEW,
                _("See campaigns"),
                BOTH,
            ),
            Permission(
                cls.MANAGE,
                _("Create and launch campaigns"),
                BOTH,
            ),
        ]
