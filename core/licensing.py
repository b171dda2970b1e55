"""Enabling and disabling plugins per tenant (the customer's licence).

Both ways respect ``depends``: a plugin cannot be enabled while what it needs is
off (unless asked to enable the chain), nor disabled while an enabled plugin
needs it. Enabling runs the plugin's ``myynti_tenant_setup`` the first time
only; disabling keeps the row and every piece of data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import current_tenant_id, set_tenant
from core.i18n import _
from core.models import Tenant, TenantPlugin, utcnow
from core.plugins import PluginRegistry


class LicenceError(Exception):
    """Refused: ``message`` is a TranslationString; ``str()`` gives the English line."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(message.interpolate())


def enabled_plugins(db: Session, tenant: Tenant) -> set[str]:
    return set(
        db.scalars(
            select(TenantPlugin.plugin).where(
                TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled
            )
        )
    )


def enable_plugin(
    db: Session,
    registry: PluginRegistry,
    tenant: Tenant,
    name: str,
    with_dependencies: bool = False,
) -> list[str]:
    """Enable ``name`` for ``tenant``; return the names enabled now, dependencies first."""
    plugin = _licensed(registry, name)
    enabled = enabled_plugins(db, tenant)
    chain = [p for p in _dependency_chain(registry, plugin.name) if p not in enabled]
    missing = [p for p in chain if p != plugin.name]
    if missing and not with_dependencies:
        raise LicenceError(
            _(
                "${plugin} needs ${missing} enabled first.",
                mapping={"plugin": plugin.name, "missing": ", ".join(missing)},
            )
        )
    for plugin_name in chain:
        _switch_on(db, registry, tenant, plugin_name)
    return chain


def disable_plugin(db: Session, registry: PluginRegistry, tenant: Tenant, name: str) -> None:
    """Disable ``name`` for ``tenant``; its data stays and returns when enabled again."""
    plugin = check_can_disable(db, registry, tenant, name)
    row = db.get(TenantPlugin, (tenant.id, plugin.name))
    if row is not None and row.enabled:
        row.enabled = False
        row.changed_at = utcnow()
        db.flush()


def check_can_disable(db: Session, registry: PluginRegistry, tenant: Tenant, name: str) -> Any:
    """The plugin ``name`` if ``tenant`` may disable it; else ``LicenceError`` saying why.

    Lets a page ask for confirmation only of a switch that would succeed.
    """
    plugin = _licensed(registry, name)
    enabled = enabled_plugins(db, tenant)
    needed_by = sorted(
        p.name for p in registry.plugins if p.name in enabled and plugin.name in p.depends
    )
    if needed_by:
        raise LicenceError(
            _(
                "${plugin} is needed by ${needed_by}; disable those first.",
                mapping={"plugin": plugin.name, "needed_by": ", ".join(needed_by)},
            )
        )
    return plugin


def _licensed(registry: PluginRegistry, name: str) -> Any:
    plugin = registry.by_name.get(name)
    if plugin is None:
        raise LicenceError(_("No plugin named ${name} is installed.", mapping={"name": name}))
    if not plugin.licensed:
        raise LicenceError(
            _("${name} is part of every tenant and cannot be switched.", mapping={"name": name})
        )
    return plugin


def _dependency_chain(registry: PluginRegistry, name: str) -> list[str]:
    """``name`` and every licensed plugin it needs, dependencies first."""
    by_name = registry.by_name
    chain: list[str] = []

    def visit(current: str) -> None:
        for dep in by_name[current].depends:
            visit(dep)
        if current not in chain and by_name[current].licensed:
            chain.append(current)

    visit(name)
    return chain


def _switch_on(db: Session, registry: PluginRegistry, tenant: Tenant, name: str) -> None:
    row = db.get(TenantPlugin, (tenant.id, name))
    if row is None:
        row = TenantPlugin(tenant_id=tenant.id, plugin=name, enabled=True)
        db.add(row)
    row.enabled = True
    row.changed_at = utcnow()
    if row.set_up_at is None:
        previous = current_tenant_id(db)
        set_tenant(db, tenant.id)
        try:
            registry.call_one(name, "myynti_tenant_setup", db=db, tenant=tenant)
            # Write the set-up's rows while still working as the tenant, or the
            # tenant check (and PostgreSQL's row-level security) refuses them.
            db.flush()
        finally:
            set_tenant(db, previous)
        row.set_up_at = utcnow()
    db.flush()
