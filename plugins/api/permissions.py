"""The API plugin's permissions, named ``api:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission


class ApiPermission(StrEnum):
    #: Make and revoke one's own personal API tokens.
    OWN_TOKENS = "api:token:own"
    #: See and revoke every token of the tenant.
    ALL_TOKENS = "api:token:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.OWN_TOKENS,
                {
                    "fi": "Luo ja peru omia API-avaimia",
                    "sv": "Skapa och återkalla egna API-nycklar",
                    "en": "Make and revoke one's own API tokens",
                },
                ("admin", "member"),
            ),
            Permission(
                cls.ALL_TOKENS,
                {
                    "fi": "Näe ja peru kaikki organisaation API-avaimet",
                    "sv": "Se och återkalla alla organisationens API-nycklar",
                    "en": "See and revoke all of the organisation's API tokens",
                },
                ("admin",),
            ),
        ]
