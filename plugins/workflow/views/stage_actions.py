"""Failed stage actions on a task's page, and the button that runs one again."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core import Panel
from core.models import Event
from plugins.workflow import _
from plugins.workflow.models import StageActionBinding, Task
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.stage_actions import ACTION_FAILED, failed_actions, retry_action

RETRY_STARTED = _("The action will be run again in a moment.")


def failed_action_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    """The task page's sidebar: actions that failed, each with a retry button."""
    if slot != "record_sidebar" or not isinstance(context, Task):
        return []
    if not request.has_permission(WorkflowPermission.TASK_VIEW):
        return []
    failures = failed_actions(request.db, context)
    if not failures:
        return []
    return [
        Panel(
            title=_("Failed actions"),
            template="plugins.workflow:templates/panel_failed_actions.pt",
            data={
                "task": context,
                "failures": failures,
                "can_retry": request.has_permission(WorkflowPermission.TASK_EDIT),
            },
            order=20,
            key="workflow-failed-actions",
        )
    ]


@view_config(
    route_name="workflow_action_retry",
    request_method="POST",
    permission=WorkflowPermission.TASK_EDIT,
)
def retry(request: Any) -> HTTPSeeOther:
    task = request.db.get(Task, int(request.matchdict["id"]))
    event = request.db.get(Event, int(request.matchdict["event_id"]))
    if (
        task is None
        or event is None
        or event.entity != "task"
        or event.record_id != task.id
        or event.kind != ACTION_FAILED
        or event not in failed_actions(request.db, task)
        or request.db.get(StageActionBinding, event.payload.get("binding_id") or 0) is None
    ):
        raise HTTPNotFound()
    retry_action(request, task, event)
    request.session.flash(request.localizer.translate(RETRY_STARTED))
    return HTTPSeeOther(_task_url(request, task))


def _task_url(request: Any, task: Task) -> str:
    """The task's page, once it exists; until then the task's history."""
    try:
        return request.route_url("task", id=task.id)
    except KeyError:
        return request.route_url("record_history", entity="task", record_id=task.id)
