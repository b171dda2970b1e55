"""The workflow plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EntityType, EventKind, JobType, Link, Panel, Permission, hookimpl
from plugins.workflow import moves, stage_actions
from plugins.workflow.models import Task
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.board import board_links
from plugins.workflow.views.stage_actions import failed_action_panels


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
            label={"fi": "Tehtävä", "en": "Task"},
            plural={"fi": "Tehtävät", "en": "Tasks"},
            title_attr="title",
            search_fields=("title",),
            list_columns=("title", "stage", "expected_value", "due_date"),
            permission=WorkflowPermission.TASK_VIEW,
            attachments=True,
        ),
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [*moves.event_kinds(), *stage_actions.event_kinds()]


@hookimpl
def myynti_jobs() -> list[JobType]:
    return stage_actions.job_types()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    return board_links(request, slot)


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return failed_action_panels(request, slot, context)
