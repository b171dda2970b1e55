"""The workflow plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EntityType, EventKind, JobType, Link, Panel, Permission, RecordAction, hookimpl
from plugins.workflow import (
    _,
    activities,
    api_actions,
    api_writes,
    conversion,
    demo,
    moves,
    open_counts,
    stage_actions,
)
from plugins.workflow.defaults import set_up_tenant
from plugins.workflow.models import Activity, Task
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.activity_log import log_activity_panels
from plugins.workflow.views.board import board_links
from plugins.workflow.views.customer_summary import next_activity_panels
from plugins.workflow.views.customer_tasks import customer_task_panels
from plugins.workflow.views.dashboard import my_work_dashboard_panels
from plugins.workflow.views.sales_dashboard import sales_figure_panels
from plugins.workflow.views.settings import settings_links
from plugins.workflow.views.stage_actions import failed_action_panels
from plugins.workflow.views.task_list import task_links


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.workflow.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return WorkflowPermission.declarations()


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="task",
            model=Task,
            label=_("Task"),
            plural=_("Tasks"),
            title_attr="title",
            route_name="task",
            search_fields=("title",),
            list_columns=("title", "stage", "expected_value", "due_date"),
            permission=WorkflowPermission.TASK_VIEW,
            attachments=True,
            shown_on=(("customer", "customer_id"),),
            edit_permission=WorkflowPermission.TASK_EDIT,
            api_fields=api_writes.TASK_FIELDS,
            api_save=api_writes.save_task,
            api_required=("title",),
        ),
        # Served by the API; its events are told on its task's or customer's timeline.
        EntityType(
            name="activity",
            model=Activity,
            label=_("Activity"),
            plural=_("Activities"),
            title_attr="subject",
            permission=WorkflowPermission.TASK_VIEW,
            history=False,
            custom_fields=False,
            edit_permission=WorkflowPermission.ACTIVITY_EDIT,
            api_fields=api_writes.ACTIVITY_FIELDS,
            api_save=api_writes.save_activity,
            api_archive=api_writes.archive_activity,
        ),
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [*moves.event_kinds(), *stage_actions.event_kinds(), *activities.event_kinds()]


@hookimpl
def myynti_jobs() -> list[JobType]:
    return stage_actions.job_types()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    return [
        *board_links(request, slot),
        *task_links(request, slot),
        *settings_links(request, slot),
    ]


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return [
        *failed_action_panels(request, slot, context),
        *customer_task_panels(request, slot, context),
        *my_work_dashboard_panels(request, slot, context),
        *sales_figure_panels(request, slot, context),
        *log_activity_panels(request, slot, context),
        *next_activity_panels(request, slot, context),
    ]


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    set_up_tenant(db, tenant)


@hookimpl
def myynti_demo_data(db: Any, tenant: Any, users: list[Any]) -> None:
    demo.fill_demo(db, tenant, users)


@hookimpl
def myynti_request_conversions(request: Any, contact_request: Any) -> list[Any]:
    return conversion.conversion_targets(request, contact_request)


@hookimpl
def myynti_record_actions() -> list[RecordAction]:
    return api_actions.record_actions()


@hookimpl
def myynti_records_created_in_bulk(db: Any, tenant_id: int, entity: str, ids: list[int]) -> None:
    """Tasks inserted with bulk SQL (a campaign's launch): add them to the open task counts."""
    if entity == "task":
        open_counts.tasks_created(db.connection(), tenant_id, ids)
