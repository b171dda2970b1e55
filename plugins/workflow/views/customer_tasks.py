"""The customer page's "Tasks" panel: the customer's tasks, and a new one for this customer."""

from __future__ import annotations

from typing import Any

from core import Panel
from plugins.contacts.models import Customer
from plugins.workflow import _, tasks
from plugins.workflow.board import local_today
from plugins.workflow.permissions import WorkflowPermission


def customer_task_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "record_tabs" or not isinstance(context, Customer):
        return []
    if not request.has_permission(WorkflowPermission.TASK_VIEW):
        return []
    return [
        Panel(
            title=_("Tasks"),
            template="plugins.workflow:templates/panel_customer_tasks.pt",
            data={
                "customer": context,
                "found": tasks.customer_tasks(request.db, context.id, local_today()),
                "can_add": context.archived_at is None
                and request.has_permission(WorkflowPermission.TASK_EDIT),
            },
            order=10,
            key="workflow-customer-tasks",
        )
    ]
