"""Adding an activity to a task, editing it, marking it done with one click, and reopening it."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm.exc import StaleDataError

from core import label_text
from core.forms import choices
from core.models import User
from plugins.contacts.models import Customer
from plugins.workflow import _, activities
from plugins.workflow.forms import REQUIRED, ActivityDoneForm, ActivityEditForm
from plugins.workflow.models import Activity, ActivityType, Task
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.task_page import TASK_PAGE, activity_form, page_data
from plugins.workflow.views.tasks import get_task

ADDED = _("Activity added.")
DONE = _("Activity marked done.")
REOPENED = _("Activity reopened.")
SAVED = _("Activity saved.")

ACTIVITY_FORM = "plugins.workflow:templates/activity_form.pt"


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


def _back(request: Any, form: ActivityDoneForm | ActivityEditForm, activity: Activity) -> str:
    """Where the click came from (never a URL as given): my work, the dashboard, the
    customer's page, else the activity's task page (its customer's when it has none)."""
    return back_url(request, form.back.data, activity.task_id, activity.customer_id)


def back_url(request: Any, back: str | None, task_id: int | None, customer_id: int | None) -> str:
    """The page named by ``back`` (``my_work``, ``dashboard``, ``customer``), else the record's."""
    if back == "my_work":
        return request.route_url("my_work")
    if back == "dashboard":
        return request.route_url("dashboard")
    if task_id is not None and back != "customer":
        return request.route_url("task", id=task_id)
    if customer_id is not None:
        return request.route_url("customer", id=customer_id)
    return request.route_url("my_work")


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
        if activity.is_open:
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
        if not activity.is_open:
            activities.reopen(request.db, activity, request.user)

    return _change(request, reopen, REOPENED)


def edit_form(request: Any, activity: Activity, task: Task | None) -> ActivityEditForm:
    """The edit form: the types in use and the allowed assignees, plus what the activity has."""
    db = request.db
    form = ActivityEditForm.from_request(request)
    types = [(t.id, t.name) for t in activities.active_types(db)]
    if activity.type_id not in dict(types):
        current = db.get(ActivityType, activity.type_id)
        types.append((activity.type_id, current.name if current else {}))
    form.type_id.choices = choices((i, label_text(n, request.locale_name)) for i, n in types)
    people = activities.assignees(db, task)
    if activity.assignee_user_id and activity.assignee_user_id not in dict(people):
        current = db.get(User, activity.assignee_user_id)
        people.append((activity.assignee_user_id, current.display_name if current else "?"))
    form.assignee_user_id.choices = choices([(0, "—"), *people])
    if request.method != "POST":
        day, clock = activities.local_due(activity.due_at)
        form.type_id.data = activity.type_id
        form.subject.data = activity.subject
        form.assignee_user_id.data = activity.assignee_user_id or 0
        form.due_date.data = day
        form.due_time.data = clock
        form.outcome.data = activity.outcome
        form.version.data = activity.version
        wanted = request.GET.get("back")
        form.back.data = wanted if wanted in ("my_work", "dashboard", "customer") else ""
    return form


def _has_errors(
    request: Any, form: ActivityEditForm, activity: Activity, task: Task | None
) -> bool:
    """Whether the input has errors, each put next to its field; the version is checked apart."""
    form.validate()
    form.version.errors = []
    if form.subject.data is not None and not form.subject.data.strip():
        form.subject.errors = [REQUIRED]
    if not form.type_id.errors and not form.assignee_user_id.errors:
        errors = activities.reference_errors(
            request.db, task, form.type_id.data, form.assignee_user_id.data, keep=activity
        )
        for key, message in errors.items():
            getattr(form, key).errors = [message]
    return any(field.errors for field in form)


@view_config(
    route_name="activity_edit",
    renderer=ACTIVITY_FORM,
    permission=WorkflowPermission.ACTIVITY_EDIT,
)
def activity_edit(request: Any) -> Any:
    activity = _activity(request)
    task = request.db.get(Task, activity.task_id) if activity.task_id else None
    customer = request.db.get(Customer, activity.customer_id) if activity.customer_id else None
    if task is None and customer is None:
        raise HTTPNotFound()
    form = edit_form(request, activity, task)
    stale = False
    if request.method == "POST":
        if not _has_errors(request, form, activity, task):
            if form.version.data != activity.version:
                stale = True
            else:
                values = {
                    "type_id": form.type_id.data,
                    "subject": form.subject.data.strip(),
                    "assignee_user_id": form.assignee_user_id.data or None,
                    "due_at": activities.due_at(form.due_date.data, form.due_time.data),
                    "outcome": (form.outcome.data or "").strip(),
                }
                try:
                    with request.db.begin_nested():
                        activities.change_activity(request.db, activity, values, request.user)
                except StaleDataError:
                    request.db.expire_all()
                    stale = True
                else:
                    request.session.flash(request.localizer.translate(SAVED))
                    return HTTPSeeOther(_back(request, form, activity))
        if stale:
            # The next try is checked against what is stored now; the user's input stays.
            form.version.raw_data = [str(activity.version)]
        request.response.status_int = 409 if stale else 400
    return {
        "form": form,
        "activity": activity,
        "task": task,
        "customer": customer,
        "stale": activities.STALE_ACTIVITY if stale else None,
        "back_url": _back(request, form, activity),
    }
