"""The contacts plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EntityType, EventKind, Link, Panel, Permission, RecordAction, hookimpl
from plugins.contacts import _, api_actions, api_writes, hookspecs, register
from plugins.contacts.demo import fill_demo
from plugins.contacts.models import ContactPerson, ContactRequest, Customer
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.views.requests import request_event_kinds, request_links, request_panels
from plugins.contacts.views.webforms import settings_links


@hookimpl
def myynti_addhooks(pluginmanager: Any) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.contacts.routes")


@hookimpl
def myynti_demo_data(db: Any, tenant: Any, users: list[Any]) -> None:
    fill_demo(db, tenant, users)


@hookimpl
def myynti_permissions() -> list[Permission]:
    return ContactsPermission.declarations()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    links = [*request_links(request, slot), *settings_links(request, slot)]
    if slot == "navigation" and request.has_permission(ContactsPermission.CUSTOMER_VIEW):
        links.append(
            Link(
                _("Customers"),
                request.route_url("customers"),
                20,
            )
        )
    return links


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return request_panels(request, slot, context)


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="customer",
            model=Customer,
            label=_("Customer"),
            plural=_("Customers"),
            search_fields=("name", "business_id", "email", "phone"),
            list_columns=("name", "business_id", "email", "phone"),
            search_condition=register.search_condition,
            route_name="customer",
            permission=ContactsPermission.CUSTOMER_VIEW,
            attachments=True,
            edit_permission=ContactsPermission.CUSTOMER_EDIT,
            api_fields=api_writes.CUSTOMER_FIELDS,
            api_save=api_writes.save_customer,
        ),
        EntityType(
            name="contact_person",
            model=ContactPerson,
            label=_("Contact person"),
            plural=_("Contact persons"),
            search_fields=("name", "email"),
            list_columns=("name", "title", "email", "phone"),
            permission=ContactsPermission.CUSTOMER_VIEW,
            shown_on=(("customer", "customer_id"),),
            edit_permission=ContactsPermission.CUSTOMER_EDIT,
            api_fields=api_writes.PERSON_FIELDS,
            api_save=api_writes.save_contact_person,
            api_archive=api_writes.archive_contact_person,
        ),
        EntityType(
            name="contact_request",
            model=ContactRequest,
            label=_("Contact request"),
            plural=_("Contact requests"),
            title_attr="subject",
            search_fields=("name", "company", "email", "subject"),
            list_columns=("received_at", "name", "company", "subject", "state"),
            route_name="contact_request",
            permission=ContactsPermission.REQUEST_VIEW,
            custom_fields=False,
            shown_on=(("customer", "customer_id"),),
        ),
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [
        EventKind("customer_archived", _("Archived"), "🗄"),
        EventKind("customer_merged", _("Merged"), "⇄"),
        EventKind(
            "contact_person_added",
            _("Contact person added"),
            "👤",
        ),
        EventKind(
            "contact_person_archived",
            _("Contact person archived"),
            "👤",
        ),
        *request_event_kinds(),
    ]


@hookimpl
def myynti_record_actions() -> list[RecordAction]:
    return api_actions.record_actions()
