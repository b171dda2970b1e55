"""The notes plugin's hook implementations: what it tells core.

Each function takes only the hook arguments it uses. Core calls them only for
tenants that have enabled the plugin (``request.plugins``).
"""

from __future__ import annotations

from typing import Any

from core import Link, Panel, Permission, hookimpl
from myynti_notes import _
from myynti_notes.models import Note, latest_notes
from myynti_notes.permissions import NotesPermission

#: The dashboard panel shows this many of the newest notes.
PANEL_SIZE = 5
#: The note every tenant finds first. Stored data, so in the product's default language.
WELCOME_TITLE = "Tervetuloa muistiinpanoihin"
WELCOME_BODY = "Kirjoittakaa tänne tiimin yhteiset muistiinpanot. Uusimmat näkyvät etusivulla."


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("notes", "/notes")
    config.scan(".views")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return NotesPermission.declarations()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if slot == "navigation" and request.has_permission(NotesPermission.VIEW):
        return [
            Link(
                _("Notes"),
                request.route_url("notes"),
                80,
            )
        ]
    return []


@hookimpl
def myynti_panels(request: Any, slot: str) -> list[Panel]:
    if slot != "dashboard" or not request.has_permission(NotesPermission.VIEW):
        return []
    return [
        Panel(
            title=_("Latest notes"),
            template="myynti_notes:templates/panel.pt",
            data={"notes": latest_notes(request.db, PANEL_SIZE)},
            order=50,
            key="notes-latest",
        )
    ]


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    db.add(Note(tenant_id=tenant.id, title=WELCOME_TITLE, body=WELCOME_BODY))
