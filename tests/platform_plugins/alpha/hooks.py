from typing import Any

from sqlalchemy import select

from core import Link, Panel, Permission, hookimpl
from core.models import Team
from tests.platform_plugins import SETUP_CALLS

VIEW = "alpha:page:view"
#: The team ``myynti_tenant_setup`` creates: the data that must survive a disable.
SETUP_TEAM = "Alpha sales"


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("alpha_page", "/alpha")
    config.add_view(
        alpha_page,
        route_name="alpha_page",
        renderer="tests.platform_plugins.alpha:templates/page.pt",
        permission=VIEW,
    )


def alpha_page(request: Any) -> dict[str, Any]:
    return {"teams": list(request.db.scalars(select(Team.name).order_by(Team.name)))}


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [Permission(VIEW, {"fi": "Näe alfa", "en": "See alpha"}, roles=("admin", "member"))]


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if slot != "navigation" or request.tenant is None:
        return []
    return [Link({"fi": "Alfa", "en": "Alpha"}, request.route_url("alpha_page"), order=50)]


@hookimpl
def myynti_panels(slot: str) -> list[Panel]:
    if slot != "dashboard":
        return []
    return [
        Panel(
            title={"fi": "Alfan paneeli", "en": "Alpha panel"},
            template="tests.platform_plugins.alpha:templates/panel.pt",
            key="alpha-panel",
        )
    ]


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    SETUP_CALLS.append(("alpha", tenant.slug))
    db.add(Team(name=SETUP_TEAM))
