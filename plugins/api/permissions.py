"""The API plugin's permissions, named ``api:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.api import _


class ApiPermission(StrEnum):
    #: Make and revoke one's own personal API tokens.
    OWN_TOKENS = "api:token:own"
    #: See and revoke every token of the tenant.
    ALL_TOKENS = "api:token:manage"
    #: Subscribe URLs to the tenant's events, and see the deliveries.
    WEBHOOKS = "api:webhook:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        return [
            Permission(
                cls.OWN_TOKENS,
                _("Make and revoke one's own API tokens"),
                ("admin", "member"),
            ),
            Permission(
                cls.ALL_TOKENS,
                _("See and revoke all of the organisation's API tokens"),
                ("admin",),
            ),
            Permission(
                cls.WEBHOOKS,
                _("Manage webhooks"),
                ("admin",),
            ),
        ]
