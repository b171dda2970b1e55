"""The contacts plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EntityType, EventKind, Link, Permission, hookimpl
from plugins.contacts.models import ContactPerson, ContactRequest, Customer
from plugins.contacts.permissions import ContactsPermission


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.contacts.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return ContactsPermission.declarations()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if slot == "navigation" and request.has_permission(ContactsPermission.CUSTOMER_VIEW):
        return [Link({"fi": "Asiakkaat", "en": "Customers"}, request.route_url("customers"), 20)]
    return []


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="customer",
            model=Customer,
            label={"fi": "Asiakas", "en": "Customer"},
            plural={"fi": "Asiakkaat", "en": "Customers"},
            search_fields=("name", "business_id", "email", "phone"),
            list_columns=("name", "business_id", "email", "phone"),
            route_name="customer",
            permission=ContactsPermission.CUSTOMER_VIEW,
            attachments=True,
        ),
        EntityType(
            name="contact_person",
            model=ContactPerson,
            label={"fi": "Yhteyshenkilö", "en": "Contact person"},
            plural={"fi": "Yhteyshenkilöt", "en": "Contact persons"},
            search_fields=("name", "email"),
            list_columns=("name", "title", "email", "phone"),
            permission=ContactsPermission.CUSTOMER_VIEW,
        ),
        EntityType(
            name="contact_request",
            model=ContactRequest,
            label={"fi": "Yhteyspyyntö", "en": "Contact request"},
            plural={"fi": "Yhteyspyynnöt", "en": "Contact requests"},
            title_attr="subject",
            search_fields=("name", "company", "email", "subject"),
            list_columns=("received_at", "name", "company", "subject", "state"),
            route_name="contact_request",
            permission=ContactsPermission.REQUEST_VIEW,
            custom_fields=False,
        ),
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [
        EventKind("customer_archived", {"fi": "Arkistoitu", "en": "Archived"}, "🗄"),
        EventKind("customer_merged", {"fi": "Yhdistetty", "en": "Merged"}, "⇄"),
        EventKind("request_received", {"fi": "Yhteyspyyntö saapui", "en": "Request received"}, "✉"),
        EventKind("request_routed", {"fi": "Yhteyspyyntö ohjattu", "en": "Request routed"}, "↪"),
        EventKind(
            "request_converted", {"fi": "Yhteyspyyntö muunnettu", "en": "Request converted"}, "✔"
        ),
    ]
