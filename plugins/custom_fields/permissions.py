"""The custom_fields plugin's permission, named ``custom_fields:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission


class CustomFieldsPermission(StrEnum):
    MANAGE = "custom_fields:field:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.MANAGE,
                {
                    "fi": "Hallitse lisätietokenttiä",
                    "sv": "Hantera tilläggsfält",
                    "en": "Manage custom fields",
                },
                ("admin",),
            )
        ]
