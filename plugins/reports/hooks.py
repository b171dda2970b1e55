"""The reports plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import JobType, Link, Panel, PeriodicJob, Permission, hookimpl
from plugins.reports import (
    activity_summary,
    builtin,
    hookspecs,
    models,
    pipeline_summary,
    schedules,
    summary,
)
from plugins.reports.panels import my_numbers_panels
from plugins.reports.permissions import ReportsPermission
from plugins.reports.views.reports import report_links

#: The indexes the reports read by, declared on workflow's tables (see ``models``).
REPORT_INDEXES = models.INDEXES
#: Imported for their listeners, which keep the summaries in step with every task and
#: activity write (sales per day, the open pipeline, activities per day).
SUMMARIES = (summary, pipeline_summary, activity_summary)


@hookimpl
def myynti_addhooks(pluginmanager: Any) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.reports.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return ReportsPermission.declarations()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    return report_links(request, slot)


@hookimpl
def myynti_reports(request: Any) -> list[dict[str, Any]]:
    return builtin.declarations()


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return my_numbers_panels(request, slot, context)


@hookimpl
def myynti_jobs() -> list[JobType]:
    return [JobType(schedules.SEND_JOB, schedules.send_schedules)]


@hookimpl
def myynti_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob(schedules.DUE, schedules.INTERVAL, schedules.due_schedules)]


@hookimpl
def myynti_records_created_in_bulk(db: Any, tenant_id: int, entity: str, ids: list[int]) -> None:
    """Tasks inserted with bulk SQL (a campaign's launch): add them to the summaries."""
    if entity == "task":
        connection = db.connection()
        summary.tasks_created(connection, tenant_id, ids)
        pipeline_summary.tasks_created(connection, tenant_id, ids)
