"""The page that makes a contact request into a task, asking for the customer first."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from plugins.contacts.models import ContactRequest, RequestState
from plugins.contacts.permissions import ContactsPermission
from plugins.workflow import _, request_task
from plugins.workflow.permissions import WorkflowPermission

CONVERTED = _("The request is now a task.")


@view_config(
    route_name="request_task",
    renderer="plugins.workflow:templates/request_task.pt",
    permission=WorkflowPermission.TASK_EDIT,
)
def request_task_page(request: Any) -> Any:
    contact_request = request.db.get(ContactRequest, int(request.matchdict["id"]))
    if contact_request is None or not request.has_permission(ContactsPermission.REQUEST_EDIT):
        raise HTTPNotFound()
    if contact_request.state == RequestState.CONVERTED:
        return HTTPSeeOther(request.route_url("contact_request", id=contact_request.id))
    form = request_task.bind(request, contact_request)
    if request.method == "POST":
        if request_task.check(request, form):
            task_id = request_task.convert(request, form, contact_request)
            request.session.flash(request.localizer.translate(CONVERTED))
            return HTTPSeeOther(request.route_url("task", id=task_id))
        request.response.status_int = 400
    return {"form": form, "item": contact_request}
