"""Core's own hook implementations: core uses the same contract as every plugin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.contract import Link, Panel, Permission
from core.models import Team, TeamMember
from core.plugins import hookimpl
from core.security import CorePermission


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_static_view("static/core", "core:static", cache_max_age=3600)
    config.add_route("home", "/")
    config.add_route("login", "/login")
    config.add_route("logout", "/logout")
    config.add_route("account_password", "/account/password")
    config.add_route("set_locale", "/locale")
    config.add_route("platform_tenants", "/platform/tenants")
    config.add_route("platform_modules", "/platform/modules")
    config.add_tenant_route("dashboard", "/")
    config.add_tenant_route("tenant_users", "/admin/users")
    config.add_tenant_route("tenant_user", "/admin/users/{user_id:\\d+}")
    config.add_tenant_route("tenant_teams", "/admin/teams")
    config.add_tenant_route("tenant_team", "/admin/teams/{team_id:\\d+}")
    config.scan("core.views")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [
        Permission(
            CorePermission.DASHBOARD_VIEW,
            {"fi": "Näe etusivu", "en": "See the dashboard"},
            roles=("admin", "member"),
        ),
        Permission(CorePermission.USERS_MANAGE, {"fi": "Hallitse käyttäjiä", "en": "Manage users"}),
        Permission(CorePermission.TEAMS_MANAGE, {"fi": "Hallitse tiimejä", "en": "Manage teams"}),
    ]


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if request.tenant is None:
        return []
    if slot == "navigation":
        return [Link({"fi": "Etusivu", "en": "Dashboard"}, request.route_url("dashboard"), order=0)]
    if slot == "admin":
        links = []
        if request.has_permission(CorePermission.USERS_MANAGE):
            links.append(
                Link({"fi": "Käyttäjät", "en": "Users"}, request.route_url("tenant_users"), 10)
            )
        if request.has_permission(CorePermission.TEAMS_MANAGE):
            links.append(
                Link({"fi": "Tiimit", "en": "Teams"}, request.route_url("tenant_teams"), 20)
            )
        return links
    return []


@hookimpl
def myynti_panels(request: Any, slot: str) -> list[Panel]:
    if slot != "dashboard" or request.tenant is None:
        return []
    return [
        Panel(
            title={"fi": "Tiimini", "en": "My teams"},
            template="core:templates/panels/my_teams.pt",
            data={"teams": _my_teams(request)},
            order=900,
            key="core-my-teams",
        )
    ]


def _my_teams(request: Any) -> list[Team]:
    return list(
        request.db.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == request.user.id)
            .order_by(Team.name)
        )
    )
