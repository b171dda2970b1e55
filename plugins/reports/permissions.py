"""The reports plugin's permissions, named ``reports:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission


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
                {
                    "fi": "Näe raportit omista ja tiimien luvuista",
                    "sv": "Se rapporter över egna och teamens siffror",
                    "en": "See reports of one's own and one's teams' numbers",
                },
                ("admin", "member"),
            ),
            Permission(
                cls.VIEW_ALL,
                {
                    "fi": "Näe kaikkien luvut raporteissa",
                    "sv": "Se allas siffror i rapporter",
                    "en": "See everyone's numbers in reports",
                },
                ("admin",),
            ),
        ]
