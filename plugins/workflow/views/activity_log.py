"""Logging a call, meeting or e-mail on a customer, with or without a task, done or planned.

The form is a panel on the customer's page and the dashboard and a section of
my work, so a done call is logged from any of them with one click on
"Log activity" and one page load; its own page (``/activities/log``) shows
the form again with the messages when something is wrong.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core import Panel
from core.forms import row_id
from plugins.contacts.models import Customer
from plugins.workflow import _, activity_log
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.activities import back_url

LOGGED = _("Activity logged.")
PANEL_TITLE = _("Log an activity")


@view_config(
    route_name="activity_log",
    renderer="plugins.workflow:templates/activity_log.pt",
    permission=WorkflowPermission.ACTIVITY_EDIT,
)
def activity_log_page(request: Any) -> Any:
    customer = None
    if "customer" in request.GET:
        customer = request.db.get(Customer, row_id(request.GET["customer"]) or 0)
        if customer is None:
            raise HTTPNotFound()
    form = activity_log.bind(request, customer)
    if request.method == "POST":
        if activity_log.check(request, form):
            activity = activity_log.save(request, form)
            request.session.flash(request.localizer.translate(LOGGED))
            target = back_url(request, form.back.data, None, activity.customer_id)
            if form.back.data not in activity_log.BACKS:
                target = back_url(request, "customer", None, form.customer_id.data)
            return HTTPSeeOther(target)
        request.response.status_int = 400
        customer = request.db.get(Customer, form.customer_id.data or 0)
    return {"form": form, "customer": customer, "fixed_customer": False, "form_id": "log-form"}


@view_config(
    route_name="activity_log_tasks",
    renderer="json",
    permission=WorkflowPermission.TASK_VIEW,
)
def open_task_lookup(request: Any) -> dict[str, Any]:
    """The open tasks of customer ``customer``, for the task select that follows the customer."""
    customer = request.db.get(Customer, row_id(request.GET.get("customer")) or 0)
    if customer is None:
        raise HTTPNotFound()
    found = activity_log.open_tasks(request.db, customer.id)
    return {"results": [{"id": i, "label": title} for i, title in found], "more": False}


def log_activity_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    """The form on a customer's page (its sidebar) and on the dashboard."""
    if request.tenant is None or not request.has_permission(WorkflowPermission.ACTIVITY_EDIT):
        return []
    if slot == "record_sidebar" and isinstance(context, Customer):
        if context.archived_at is not None:
            return []
        form = activity_log.bind(request, context, back="customer", fresh=True)
        data = {"form": form, "fixed_customer": True, "form_id": "customer-log-form"}
        return [Panel(PANEL_TITLE, TEMPLATE, data, order=5, key="workflow-log-activity")]
    if slot == "dashboard":
        form = activity_log.bind(request, back="dashboard", fresh=True)
        data = {"form": form, "fixed_customer": False, "form_id": "dashboard-log-form"}
        return [Panel(PANEL_TITLE, TEMPLATE, data, order=5, key="workflow-log-activity")]
    return []


TEMPLATE = "plugins.workflow:templates/panel_log_activity.pt"
