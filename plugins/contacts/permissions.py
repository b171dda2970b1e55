"""The contacts plugin's permissions, named ``contacts:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission

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
                {"fi": "Näe asiakkaat", "sv": "Se kunder", "en": "See customers"},
                BOTH,
            ),
            cls.CUSTOMER_EDIT: (
                {"fi": "Muokkaa asiakkaita", "sv": "Redigera kunder", "en": "Edit customers"},
                BOTH,
            ),
            cls.CUSTOMER_MERGE: (
                {"fi": "Yhdistä asiakkaita", "sv": "Slå samman kunder", "en": "Merge customers"},
                ("admin",),
            ),
            cls.CUSTOMER_IMPORT: (
                {"fi": "Tuo asiakkaita", "sv": "Importera kunder", "en": "Import customers"},
                ("admin",),
            ),
            cls.CUSTOMER_EXPORT: (
                {"fi": "Vie asiakkaita", "sv": "Exportera kunder", "en": "Export customers"},
                BOTH,
            ),
            cls.REQUEST_VIEW: (
                {
                    "fi": "Näe yhteyspyynnöt",
                    "sv": "Se kontaktförfrågningar",
                    "en": "See contact requests",
                },
                BOTH,
            ),
            cls.REQUEST_EDIT: (
                {
                    "fi": "Käsittele yhteyspyyntöjä",
                    "sv": "Behandla kontaktförfrågningar",
                    "en": "Handle contact requests",
                },
                BOTH,
            ),
            cls.SETTINGS_MANAGE: (
                {
                    "fi": "Hallitse lomakkeita ja ohjausta",
                    "sv": "Hantera formulär och dirigering",
                    "en": "Manage forms and routing",
                },
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
