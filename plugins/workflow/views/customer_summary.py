"""The customer page's "next activity" line: what is planned next with this customer."""

from __future__ import annotations

from typing import Any

from core import Panel
from core.models import User
from plugins.contacts.models import Customer
from plugins.workflow import _, activities
from plugins.workflow.permissions import WorkflowPermission

TITLE = _("Next activity")


def next_activity_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "record_summary" or not isinstance(context, Customer):
        return []
    if not request.has_permission(WorkflowPermission.TASK_VIEW):
        return []
    db = request.db
    upcoming = activities.next_activity(db, context.id)
    data: dict[str, Any] = {"activity": upcoming, "customer": context}
    if upcoming is not None:
        data["type_name"] = upcoming.type.name
        data["task"] = upcoming.task
        assignee = db.get(User, upcoming.assignee_user_id) if upcoming.assignee_user_id else None
        data["assignee"] = assignee.display_name if assignee else ""
    return [
        Panel(
            TITLE,
            "plugins.workflow:templates/panel_next_activity.pt",
            data,
            order=10,
            key="workflow-next-activity",
        )
    ]
