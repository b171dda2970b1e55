"""The API plugin's hook implementations."""

from __future__ import annotations

from typing import Any

from core import JobType, Link, Panel, Permission, hookimpl
from core.bulk import EVENT
from plugins.api.permissions import ApiPermission
from plugins.api.views.tokens import token_links
from plugins.api.views.webhooks import paused_notice, webhook_links
from plugins.api.webhooks import delivery, events


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.api.routes")
    events.install()


@hookimpl
def myynti_jobs() -> list[JobType]:
    return [JobType(events.JOB, delivery.deliver)]


@hookimpl
def myynti_panels(request: Any, slot: str) -> list[Panel]:
    return paused_notice(request, slot)


@hookimpl
def myynti_permissions() -> list[Permission]:
    return ApiPermission.declarations()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    return token_links(request, slot) + webhook_links(request, slot)


@hookimpl
def myynti_records_created_in_bulk(db: Any, tenant_id: int, entity: str, ids: list[int]) -> None:
    """History events inserted with bulk SQL get the deliveries a flush would have given them."""
    if entity == EVENT:
        events.deliveries_for_bulk_events(db, tenant_id, ids)
