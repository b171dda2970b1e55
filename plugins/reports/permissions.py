"""The reports plugin's permissions, named ``reports:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.reports import _


class ReportsPermission(StrEnum):
    #: See reports, with the numbers of oneself and of one's teams' members.
    VIEW = "reports:report:view"
    #: See everyone's numbers.
    VIEW_ALL = "reports:report:view_all"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.VIEW,
                _("See reports of one's own and one's teams' numbers"),
                ("admin", "member"),
            ),
            Permission(
                cls.VIEW_ALL,
                _("See everyone's numbers in reports"),
                ("admin",),
            ),
        ]
