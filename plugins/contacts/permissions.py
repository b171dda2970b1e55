"""The contacts plugin's permissions, named ``contacts:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.contacts import _

BOTH = ("admin", "member")


class ContactsPermission(StrEnum):
    CUSTOMER_VIEW = "contacts:customer:view"
    CUSTOMER_EDIT = "contacts:customer:edit"
    CUSTOMER_MERGE = "contacts:customer:merge"
    CUSTOMER_IMPORT = "contacts:customer:import"
    CUSTOMER_EXPORT = "contacts:customer:export"
    REQUEST_VIEW = "contacts:request:view"
    REQUEST_EDIT = "contacts:request:edit"
    SETTINGS_MANAGE = "contacts:settings:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        titles = {
            cls.CUSTOMER_VIEW: (
                _("See customers"),
                BOTH,
            ),
            cls.CUSTOMER_EDIT: (
                _("Edit customers"),
                BOTH,
            ),
            cls.CUSTOMER_MERGE: (
                _("Merge customers"),
                ("admin",),
            ),
            cls.CUSTOMER_IMPORT: (
                _("Import customers"),
                ("admin",),
            ),
            cls.CUSTOMER_EXPORT: (
                _("Export customers"),
                BOTH,
            ),
            cls.REQUEST_VIEW: (
                _("See contact requests"),
                BOTH,
            ),
            cls.REQUEST_EDIT: (
                _("Handle contact requests"),
                BOTH,
            ),
            cls.SETTINGS_MANAGE: (
                _("Manage forms and routing"),
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
