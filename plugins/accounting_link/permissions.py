"""The accounting_link plugin's permissions, named ``accounting_link:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission

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
                {
                    "fi": "Näe tarjoukset, tilaukset ja laskut",
                    "sv": "Se offerter, order och fakturor",
                    "en": "See quotes, orders and invoices",
                },
                BOTH,
            ),
            cls.DOCUMENT_EDIT: (
                {
                    "fi": "Tee ja muokkaa tarjouksia, tilauksia ja laskuja",
                    "sv": "Skapa och redigera offerter, order och fakturor",
                    "en": "Make and edit quotes, orders and invoices",
                },
                BOTH,
            ),
            cls.PAYMENT_EDIT: (
                {"fi": "Kirjaa maksuja", "sv": "Bokför betalningar", "en": "Enter payments"},
                ("admin",),
            ),
            cls.PRODUCT_MANAGE: (
                {
                    "fi": "Hallitse tuotteita ja palveluita",
                    "sv": "Hantera produkter och tjänster",
                    "en": "Manage products and services",
                },
                ("admin",),
            ),
            cls.SETTINGS_MANAGE: (
                {
                    "fi": "Hallitse laskutuksen ja kirjanpidon asetuksia",
                    "sv": "Hantera fakturerings- och bokföringsinställningar",
                    "en": "Manage invoicing and accounting settings",
                },
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
