"""The custom_fields plugin's permission, named ``custom_fields:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.custom_fields import _


class CustomFieldsPermission(StrEnum):
    MANAGE = "custom_fields:field:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.MANAGE,
                _("Manage custom fields"),
                ("admin",),
            )
        ]
