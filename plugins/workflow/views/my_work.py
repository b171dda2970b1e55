"""My work (oma työnäkymä): my open tasks and my open activities, overdue first."""

from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from plugins.workflow import _, activity_log, my_work
from plugins.workflow.permissions import WorkflowPermission

GROUP_LABELS = {
    "overdue": _("Overdue"),
    "today": _("Today"),
    "upcoming": _("Upcoming"),
    "undated": _("No due date"),
}


@view_config(
    route_name="my_work",
    renderer="plugins.workflow:templates/my_work.pt",
    kept_page=True,
    permission=WorkflowPermission.TASK_VIEW,
)
def my_work_page(request: Any) -> dict[str, Any]:
    db, user_id = request.db, request.user.id
    found_tasks = my_work.my_tasks(db, user_id)
    found_activities = my_work.my_activities(db, user_id)
    can_complete = request.has_permission(WorkflowPermission.ACTIVITY_EDIT)
    return {
        "tasks": my_work.grouped(found_tasks),
        "activities": my_work.grouped(found_activities),
        "task_count": len(found_tasks),
        "activity_count": len(found_activities),
        "limit": my_work.LIMIT,
        "groups": my_work.GROUPS,
        "group_labels": GROUP_LABELS,
        "can_complete": can_complete,
        "log_form": activity_log.bind(request, back="my_work", fresh=True)
        if can_complete
        else None,
    }
