"""Core's own hook implementations: core uses the same contract as every plugin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import history, jobs
from core.attachments import FileStore
from core.contract import EventKind, JobType, Link, Panel, PeriodicJob, Permission
from core.entities import entity_of
from core.i18n import _
from core.models import Team, TeamMember
from core.plugins import hookimpl
from core.security import CorePermission
from core.views.attachments import record_attachments
from core.views.history import timeline_data


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
    config.add_route("platform_jobs", "/platform/jobs")
    config.add_route("platform_job_retry", "/platform/jobs/{job_id:\\d+}/retry")
    config.add_tenant_route("dashboard", "/")
    config.add_tenant_route("search", "/search")
    config.add_tenant_route("search_suggest", "/search/suggest")
    config.add_tenant_route("tenant_users", "/admin/users")
    config.add_tenant_route("tenant_user", "/admin/users/{user_id:\\d+}")
    config.add_tenant_route("tenant_teams", "/admin/teams")
    config.add_tenant_route("tenant_team", "/admin/teams/{team_id:\\d+}")
    config.add_tenant_route("tenant_team_delete", "/admin/teams/{team_id:\\d+}/delete")
    config.add_tenant_route("tenant_team_members", "/admin/teams/{team_id:\\d+}/members")
    config.add_tenant_route(
        "tenant_team_member_remove", "/admin/teams/{team_id:\\d+}/members/{user_id:\\d+}/remove"
    )
    config.add_tenant_route("record_history", "/history/{entity}/{record_id:\\d+}")
    config.add_tenant_route("record_comments", "/history/{entity}/{record_id:\\d+}/comments")
    config.add_tenant_route("record_attachments", "/attachments/{entity}/{record_id:\\d+}")
    config.add_tenant_route("attachment", "/attachments/{attachment_id:\\d+}")
    config.add_tenant_route("attachment_delete", "/attachments/{attachment_id:\\d+}/delete")
    config.scan("core.views")
    config.scan("core.jobs.views")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [
        Permission(
            CorePermission.DASHBOARD_VIEW,
            _("See the dashboard"),
            roles=("admin", "member"),
        ),
        Permission(
            CorePermission.USERS_MANAGE,
            _("Manage users"),
        ),
        Permission(
            CorePermission.TEAMS_MANAGE,
            _("Manage teams"),
        ),
        *(
            Permission(name, title, roles=("admin", "member"))
            for name, title in (
                (
                    CorePermission.HISTORY_VIEW,
                    _("See history"),
                ),
                (
                    CorePermission.HISTORY_COMMENT,
                    _("Write comments"),
                ),
                (
                    CorePermission.ATTACHMENTS_VIEW,
                    _("See attachments"),
                ),
                (
                    CorePermission.ATTACHMENTS_ADD,
                    _("Add attachments"),
                ),
                (
                    CorePermission.ATTACHMENTS_DELETE,
                    _("Delete attachments"),
                ),
            )
        ),
    ]


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if request.tenant is None:
        return []
    if slot == "navigation":
        return [
            Link(
                _("Dashboard"),
                request.route_url("dashboard"),
                order=0,
            )
        ]
    if slot == "admin":
        links = []
        if request.has_permission(CorePermission.USERS_MANAGE):
            links.append(
                Link(
                    _("Users"),
                    request.route_url("tenant_users"),
                    10,
                )
            )
        if request.has_permission(CorePermission.TEAMS_MANAGE):
            links.append(
                Link(
                    _("Teams"),
                    request.route_url("tenant_teams"),
                    20,
                )
            )
        return links
    return []


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [
        EventKind(history.CREATED, _("Created"), "+"),
        EventKind(history.CHANGED, _("Changed"), "✎"),
        EventKind(history.COMMENT, _("Comment"), "💬"),
        EventKind(
            history.ATTACHMENT_ADDED,
            _("Attachment added"),
            "📎",
        ),
        EventKind(
            history.ATTACHMENT_DELETED,
            _("Attachment deleted"),
            "🗑",
        ),
    ]


@hookimpl
def myynti_jobs() -> list[JobType]:
    return jobs.CORE_JOBS


@hookimpl
def myynti_periodic_jobs() -> list[PeriodicJob]:
    return jobs.CORE_PERIODIC_JOBS


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot in ("record_tabs", "record_sidebar") and context is not None:
        return record_panels(request, slot, context)
    if slot != "dashboard" or request.tenant is None:
        return []
    return [
        Panel(
            title=_("My teams"),
            template="core:templates/panels/my_teams.pt",
            data={"teams": _my_teams(request)},
            order=900,
            key="core-my-teams",
        )
    ]


def record_panels(request: Any, slot: str, record: Any) -> list[Panel]:
    """The timeline (a tab) and the attachments (the sidebar) of any declared entity."""
    entity = entity_of(request, record)
    if entity is None:
        return []
    if (
        slot == "record_tabs"
        and entity.history
        and request.has_permission(CorePermission.HISTORY_VIEW)
    ):
        return [
            Panel(
                title=_("Event history"),
                template="core:templates/panels/timeline.pt",
                data=timeline_data(request, entity.name, record),
                order=10,
                key="core-timeline",
            )
        ]
    if (
        slot == "record_sidebar"
        and entity.attachments
        and request.has_permission(CorePermission.ATTACHMENTS_VIEW)
    ):
        return [
            Panel(
                title=_("Attachments"),
                template="core:templates/panels/attachments.pt",
                data={
                    "entity_type": entity,
                    "record": record,
                    "attachments": record_attachments(request, entity.name, record.id),
                    "errors": [],
                    "max_mb": FileStore.from_settings(request.registry.settings).max_bytes
                    // (1024 * 1024),
                },
                order=10,
                key="core-attachments",
            )
        ]
    return []


def _my_teams(request: Any) -> list[Team]:
    return list(
        request.db.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == request.user.id)
            .order_by(Team.name)
        )
    )
