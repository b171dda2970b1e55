"""The accounting_link plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EventKind, Permission, hookimpl
from plugins.accounting_link import events
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.setup import set_up_tenant


@hookimpl
def myynti_permissions() -> list[Permission]:
    return AccountingPermission.declarations()


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return events.event_kinds()


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    set_up_tenant(db, tenant)
