"""The notes plugin's permissions, named ``notes:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission

MEMBERS = ("admin", "member")


class NotesPermission(StrEnum):
    VIEW = "notes:note:view"
    EDIT = "notes:note:edit"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.VIEW,
                {"fi": "Näe muistiinpanot", "sv": "Se anteckningar", "en": "See notes"},
                MEMBERS,
            ),
            Permission(
                cls.EDIT,
                {"fi": "Kirjoita muistiinpanoja", "sv": "Skriv anteckningar", "en": "Write notes"},
                MEMBERS,
            ),
        ]
