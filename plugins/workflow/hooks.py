"""The workflow plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EntityType, Permission, hookimpl
from plugins.workflow.models import Task
from plugins.workflow.permissions import WorkflowPermission


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
