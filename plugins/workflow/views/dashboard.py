"""The home page's "My work today" panel: what is overdue or due today, at a glance."""

from __future__ import annotations

from typing import Any

from core import Panel
from plugins.workflow import _, my_work
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.my_work import GROUP_LABELS

#: The panel lists this many activities of each group; My work has them all.
SHOWN = 5
DUE_GROUPS = ("overdue", "today")


def my_work_dashboard_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "dashboard" or request.tenant is None:
        return []
    if not request.has_permission(WorkflowPermission.TASK_VIEW):
        return []
    db, user_id = request.db, request.user.id
    activities = my_work.grouped(my_work.my_activities(db, user_id))
    tasks = my_work.grouped(my_work.my_tasks(db, user_id))
    return [
        Panel(
            title=_("My work today"),
            template="plugins.workflow:templates/panel_dashboard_my_work.pt",
            data={
                "activities": {group: activities[group] for group in DUE_GROUPS},
                "due_tasks": sum(len(tasks[group]) for group in DUE_GROUPS),
                "groups": DUE_GROUPS,
                "group_labels": GROUP_LABELS,
                "shown": SHOWN,
            },
            order=10,
            key="workflow-my-work-today",
        )
    ]
