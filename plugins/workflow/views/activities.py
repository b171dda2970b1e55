"""Adding an activity to a task, marking one done with one click, and reopening it."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm.exc import StaleDataError

from plugins.workflow import _, activities
from plugins.workflow.forms import ActivityDoneForm
from plugins.workflow.models import Activity
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.task_page import TASK_PAGE, activity_form, page_data
from plugins.workflow.views.tasks import get_task

ADDED = _("Activity added.")
DONE = _("Activity marked done.")
REOPENED = _("Activity reopened.")


@view_config(
    route_name="activity_new",
    request_method="POST",
    renderer=TASK_PAGE,
    permission=WorkflowPermission.ACTIVITY_EDIT,
)
def activity_new(request: Any) -> Any:
    task = get_task(request)
    form = activity_form(request, task)
    valid = form.validate()
    if valid:
        errors = activities.reference_errors(
            request.db, task, form.type_id.data, form.assignee_user_id.data
        )
        for key, message in errors.items():
            getattr(form, key).errors = [message]
        valid = not errors
    if not valid:
        request.response.status_int = 400
        return page_data(request, task, activity=form)
    activities.add_activity(
        request.db,
        task,
        {
            "type_id": form.type_id.data,
            "subject": form.subject.data.strip(),
            "assignee_user_id": form.assignee_user_id.data or None,
            "due_at": activities.due_at(form.due_date.data, form.due_time.data),
            "outcome": form.outcome.data or "",
        },
        request.user,
    )
    request.session.flash(request.localizer.translate(ADDED))
    return HTTPSeeOther(request.route_url("task", id=task.id))


def _activity(request: Any) -> Activity:
    found = request.db.get(Activity, int(request.matchdict["id"]))
    if found is None:
        raise HTTPNotFound()
    return found


def _back(request: Any, form: ActivityDoneForm, activity: Activity) -> str:
    """My work when the click came from there, else the task's page (never a URL as given)."""
    if form.back.data == "my_work":
        return request.route_url("my_work")
    return request.route_url("task", id=activity.task_id)


def _change(request: Any, change: Any, message: Any) -> HTTPSeeOther:
    activity = _activity(request)
    form = ActivityDoneForm.from_request(request)
    if not form.validate() or form.version.data != activity.version:
        request.session.flash(request.localizer.translate(activities.STALE_ACTIVITY))
        return HTTPSeeOther(_back(request, form, activity))
    try:
        with request.db.begin_nested():
            change(activity, form)
    except StaleDataError:
        request.db.expire_all()
        message = activities.STALE_ACTIVITY
    request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(_back(request, form, activity))


@view_config(
    route_name="activity_done",
    request_method="POST",
    permission=WorkflowPermission.ACTIVITY_EDIT,
)
def activity_done(request: Any) -> HTTPSeeOther:
    def mark(activity: Activity, form: ActivityDoneForm) -> None:
        if activity.done_at is None:
            outcome = (form.outcome.data or "").strip()
            activities.complete(request.db, activity, outcome, request.user)

    return _change(request, mark, DONE)


@view_config(
    route_name="activity_reopen",
    request_method="POST",
    permission=WorkflowPermission.ACTIVITY_EDIT,
)
def activity_reopen(request: Any) -> HTTPSeeOther:
    def reopen(activity: Activity, form: ActivityDoneForm) -> None:
        if activity.done_at is not None:
            activities.reopen(request.db, activity, request.user)

    return _change(request, reopen, REOPENED)
