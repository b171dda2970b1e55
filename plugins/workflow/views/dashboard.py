"""The home page's "My work today" panel: what is overdue or due today, at a glance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import Panel
from plugins.workflow import _, my_work
from plugins.workflow.board import local_today
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.sales_figures import local_midnight
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
    today = local_today()
    due = my_work.due_activities(db, user_id, local_midnight(today + timedelta(days=1)))
    activities = my_work.grouped(due, today)
    return [
        Panel(
            title=_("My work today"),
            template="plugins.workflow:templates/panel_dashboard_my_work.pt",
            data={
                "activities": {group: activities[group] for group in DUE_GROUPS},
                "due_tasks": my_work.due_task_count(db, user_id, today),
                "groups": DUE_GROUPS,
                "group_labels": GROUP_LABELS,
                "shown": SHOWN,
            },
            order=10,
            key="workflow-my-work-today",
        )
    ]
