"""The accounting_link plugin's permissions, named ``accounting_link:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.accounting_link import _

BOTH = ("admin", "member")


class AccountingPermission(StrEnum):
    DOCUMENT_VIEW = "accounting_link:document:view"
    DOCUMENT_EDIT = "accounting_link:document:edit"
    PAYMENT_EDIT = "accounting_link:payment:edit"
    PRODUCT_MANAGE = "accounting_link:product:manage"
    SETTINGS_MANAGE = "accounting_link:settings:manage"

    @classmethod
    def declarations(cls) -> list[Permission]:
        titles = {
            cls.DOCUMENT_VIEW: (
                _("See quotes, orders and invoices"),
                BOTH,
            ),
            cls.DOCUMENT_EDIT: (
                _("Make and edit quotes, orders and invoices"),
                BOTH,
            ),
            cls.PAYMENT_EDIT: (
                _("Enter payments"),
                ("admin",),
            ),
            cls.PRODUCT_MANAGE: (
                _("Manage products and services"),
                ("admin",),
            ),
            cls.SETTINGS_MANAGE: (
                _("Manage invoicing and accounting settings"),
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
