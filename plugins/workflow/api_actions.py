"""The task's API action: moving it to a stage, as the board does."""

from __future__ import annotations

from typing import Any

from core import ActionRefused, RecordAction
from plugins.workflow import activities
from plugins.workflow.models import Task
from plugins.workflow.moves import LOST_REASON_MAX, MoveRefused, move_task
from plugins.workflow.permissions import WorkflowPermission

MOVE_BODY = {
    "type": "object",
    "properties": {
        "stage_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "lost_reason": {"type": "string", "maxLength": LOST_REASON_MAX},
        "open_activities": {"enum": list(activities.ON_CLOSE)},
    },
    "required": ["stage_id", "version"],
    "additionalProperties": False,
}


def move(request: Any, task: Task, body: dict[str, Any]) -> dict[str, Any]:
    """Move the task; a won or lost stage settles its open activities as asked (closed)."""
    try:
        move_task(
            request,
            task,
            body["stage_id"],
            body["version"],
            lost_reason=body.get("lost_reason"),
            on_close=body.get("open_activities", activities.CLOSE_UNDONE),
        )
    except MoveRefused as refused:
        status = 409 if refused.field == "version" else 422
        raise ActionRefused(refused.message, refused.field, status) from None
    return {"id": task.id, "stage_id": task.stage_id, "version": task.version}


def record_actions() -> list[RecordAction]:
    return [
        RecordAction(
            "task",
            "move",
            WorkflowPermission.TASK_EDIT,
            MOVE_BODY,
            move,
            "Move the task to a stage (give the version you read)",
        )
    ]
