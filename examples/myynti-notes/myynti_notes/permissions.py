"""The notes plugin's permissions, named ``notes:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from myynti_notes import _

MEMBERS = ("admin", "member")


class NotesPermission(StrEnum):
    VIEW = "notes:note:view"
    EDIT = "notes:note:edit"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.VIEW,
                _("See notes"),
                MEMBERS,
            ),
            Permission(
                cls.EDIT,
                _("Write notes"),
                MEMBERS,
            ),
        ]
