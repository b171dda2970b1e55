"""A report run for one user where there is no request: a scheduled report's job.

A report's ``run(request, params)`` reads a few things of the request: the
session (``db``), the tenant's enabled plugins, the user, their language
(``locale_name``, ``localizer``) and their permissions (``has_permission``).
``ReportAudience`` offers the same for a user of a tenant, built from the
session alone, so the same ``run`` answers a job exactly as it answers that
user's page: a member gets their own and their teams' numbers, an admin
everyone's, a report of a plugin the tenant has disabled is not there.

``route_url`` answers ``""``: drill-down links belong to the page; a sheet or
an e-mail has none (reports call it only inside their ``drill`` callable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pyramid.i18n import Localizer
from sqlalchemy import select

from core.i18n import LOCALES, load_translations
from core.models import Membership, Role, Tenant, TenantPlugin, User
from core.plugins import PluginRegistry
from plugins.reports.catalogue import report_for
from plugins.reports.contract import Report, checked_result
from plugins.reports.params import ReportQuery, read_query
from plugins.reports.scope import visible_user_ids


@cache
def _localizer(locale: str, locale_dirs: tuple[Path, ...]) -> Localizer:
    return Localizer(locale, load_translations(list(locale_dirs), locale))


@dataclass
class ReportAudience:
    """What a report's ``run`` reads of a request, for ``user`` of ``tenant``."""

    db: Any
    tenant: Tenant
    user: User
    membership: Membership
    plugins: Any
    localizer: Localizer
    member_permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def locale_name(self) -> str:
        return self.localizer.locale_name

    def has_permission(self, permission: str) -> bool:
        """As ``core.security.SecurityPolicy.permits`` decides for this user in this tenant."""
        if permission.startswith("core:account:"):
            return True
        if permission.startswith("core:platform:"):
            return bool(self.user.platform_admin)
        return self.membership.role == Role.ADMIN or permission in self.member_permissions

    def route_url(self, name: str, *elements: Any, **kw: Any) -> str:
        return ""


def audience_for(
    db: Any, registry: PluginRegistry, tenant: Tenant, user_id: int
) -> ReportAudience | None:
    """``user_id`` as a report's reader in ``tenant``; ``None`` unless an active member of it.

    ``db`` works as ``tenant`` (a job's session does).
    """
    membership = db.scalar(
        select(Membership).where(
            Membership.tenant_id == tenant.id, Membership.user_id == user_id, Membership.active
        )
    )
    user = db.get(User, user_id) if membership is not None else None
    if user is None:
        return None
    enabled = db.scalars(
        select(TenantPlugin.plugin).where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled)
    )
    plugins = registry.hooks_for(frozenset(enabled))
    locale = user.locale if user.locale in LOCALES else "fi"
    locale_dirs = tuple(p.locale_path for p in registry.plugins if p.locale_path)
    member_permissions = frozenset(
        p.name for p in plugins.collect("myynti_permissions") if Role.MEMBER in p.roles
    )
    return ReportAudience(
        db=db,
        tenant=tenant,
        user=user,
        membership=membership,
        plugins=plugins,
        localizer=_localizer(locale, locale_dirs),
        member_permissions=member_permissions,
    )


def run_report(
    reader: Any, key: str, values: dict[str, str], today: date
) -> tuple[Report, ReportQuery, dict[str, Any] | None]:
    """Report ``key`` for ``reader`` (a request or a ``ReportAudience``) with query ``values``.

    The report, the checked query and the checked result (``None`` when the
    query has errors). Raises ``HTTPNotFound`` for a report no enabled plugin
    declares and ``HTTPForbidden`` for one the reader may not see.
    """
    report = report_for(reader, key)
    query = read_query(reader, report, values, visible_user_ids(reader), today)
    if query.errors:
        return report, query, None
    return report, query, checked_result(report, report.run(reader, query.params))
