"""A contact request becomes a task: the workflow plugin's offer to contacts' convert action.

The request's page links to a form (``request_task``) that asks for the
customer and proposes the rest. Converted without it (``create_task``), the
task starts in the first open stage of the tenant's first workflow, for the
request's customer, team and handler, and points back at the request; a
request with no customer is refused there, since only the form can be told
"no customer". Contacts records the link on the request's side.
"""

from __future__ import annotations

from typing import Any

from plugins.contacts.requests.conversion import ConversionRefused, ConversionTarget
from plugins.workflow import _, tasks
from plugins.workflow.board import workflows
from plugins.workflow.models import TaskSource
from plugins.workflow.permissions import WorkflowPermission

NO_WORKFLOW = _("There is no workflow to put the task in: ask your administrator to add one.")
NO_CUSTOMER = _("The request has no customer: choose one when you make the task.")
TITLE_MAX = 200
TASK_LABEL = _("Create a task")


def conversion_targets(request: Any, contact_request: Any) -> list[ConversionTarget]:
    if not request.has_permission(WorkflowPermission.TASK_EDIT):
        return []
    return [ConversionTarget("task", TASK_LABEL, create_task, form_route="request_task")]


def create_task(db: Any, contact_request: Any, user: Any) -> tuple[str, int]:
    if not contact_request.customer_id:
        raise ConversionRefused(NO_CUSTOMER)
    found = workflows(db)
    if not found:
        raise ConversionRefused(NO_WORKFLOW)
    title = contact_request.subject or contact_request.company or contact_request.name
    values = {
        "title": (title or "—")[:TITLE_MAX],
        "description": contact_request.message or "",
        "customer_id": contact_request.customer_id,
        "team_id": contact_request.team_id,
        "responsible_user_id": contact_request.assigned_user_id
        or (user.id if user is not None else None),
    }
    try:
        task = tasks.create_task(
            db,
            found[0],
            values,
            user,
            source=TaskSource.CONTACT_REQUEST,
            contact_request_id=contact_request.id,
        )
    except tasks.TaskRefused as refused:
        raise ConversionRefused(refused.message) from None
    return "task", task.id
