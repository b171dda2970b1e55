"""The task page: details, the stage form, activities, and the slots other plugins fill."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import label_text
from core.forms import choices
from core.models import Team, User
from plugins.contacts.models import ContactPerson, ContactRequest, Customer
from plugins.workflow import _, activities
from plugins.workflow.board import board_stages
from plugins.workflow.forms import PRIORITY_LABELS, ActivityForm
from plugins.workflow.models import Activity, ActivityType, Stage, Task
from plugins.workflow.move_form import MoveForm
from plugins.workflow.moves import STALE_MOVE, MoveRefused, move_task
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.tasks import get_task

TASK_PAGE = "plugins.workflow:templates/task.pt"

MOVED = _("The task moved to ${stage}.")
INVALID = _("Check the fields marked below.")

SOURCE_LABELS = {
    "manual": _("Entered by hand"),
    "contact_request": _("Contact request"),
    "campaign": _("Campaign"),
    "api": _("Interface (API)"),
}


def move_form(request: Any, task: Task) -> MoveForm:
    form = MoveForm.from_request(request)
    stages = board_stages(request.db, task.workflow_id)
    form.set_stages(stages, request.locale_name)
    form.translate_choices(request.localizer.translate)
    if request.method != "POST" or form.stage_id.data is None:
        form.stage_id.data = task.stage_id
        form.version.data = task.version
    return form


def page_data(
    request: Any, task: Task, move: MoveForm | None = None, activity: ActivityForm | None = None
) -> dict[str, Any]:
    db = request.db
    request.page_context = task
    stage = db.get(Stage, task.stage_id)
    customer = db.get(Customer, task.customer_id) if task.customer_id else None
    person = db.get(ContactPerson, task.contact_person_id) if task.contact_person_id else None
    responsible = db.get(User, task.responsible_user_id) if task.responsible_user_id else None
    team = db.get(Team, task.team_id) if task.team_id else None
    contact_request = (
        db.get(ContactRequest, task.contact_request_id) if task.contact_request_id else None
    )
    found_activities = activities.task_activities(db, task)
    return {
        "task": task,
        "stage": stage,
        "customer": customer,
        "person": person,
        "responsible": responsible,
        "team": team,
        "contact_request": contact_request,
        "source_label": SOURCE_LABELS.get(task.source, task.source),
        "priority_label": PRIORITY_LABELS.get(task.priority, task.priority),
        "can_edit": request.has_permission(WorkflowPermission.TASK_EDIT),
        "can_add_activity": request.has_permission(WorkflowPermission.ACTIVITY_EDIT),
        "move_form": move or move_form(request, task),
        "activity_form": activity or activity_form(request, task),
        "activities": found_activities,
        "open_activity_count": sum(1 for a in found_activities if a.is_open),
        "activity_names": _activity_names(db, task),
    }


def activity_form(request: Any, task: Task) -> ActivityForm:
    form = ActivityForm.from_request(request)
    people = activities.assignees(request.db, task)
    form.type_id.choices = choices(
        (t.id, label_text(t.name, request.locale_name)) for t in activities.active_types(request.db)
    )
    form.assignee_user_id.choices = choices([(0, "—"), *people])
    if request.method != "POST" and request.user.id in dict(people):
        form.assignee_user_id.data = request.user.id
    return form


def _activity_names(db: Any, task: Task) -> dict[str, dict[int, Any]]:
    """Type names and assignees' names for the task's activities, in two queries."""
    types = {t.id: t.name for t in db.scalars(select(ActivityType))}
    people = dict(
        db.execute(
            select(User.id, User.name)
            .join(Activity, Activity.assignee_user_id == User.id)
            .where(Activity.task_id == task.id)
        ).all()
    )
    return {"types": types, "people": people}


@view_config(
    route_name="task",
    request_method="GET",
    renderer=TASK_PAGE,
    kept_page=True,
    permission=WorkflowPermission.TASK_VIEW,
)
def task_page(request: Any) -> dict[str, Any]:
    return page_data(request, get_task(request))


@view_config(
    route_name="task_move",
    request_method="POST",
    renderer=TASK_PAGE,
    permission=WorkflowPermission.TASK_EDIT,
)
def task_move(request: Any) -> Any:
    """The task page's stage form: the same ``move_task`` as the board."""
    task = get_task(request)
    form = move_form(request, task)
    refused: MoveRefused | None = None
    if not form.validate():
        refused = MoveRefused(INVALID, next(iter(form.errors)))
    else:
        try:
            move_task(
                request,
                task,
                form.stage_id.data,
                form.version.data,
                form.lost_reason.data,
                on_close=form.on_close.data,
            )
        except MoveRefused as exc:
            refused = exc
    if refused is None:
        stage = request.db.get(Stage, task.stage_id)
        message = _(MOVED, mapping={"stage": label_text(stage.name, request.locale_name)})
        request.session.flash(request.localizer.translate(message))
        return HTTPSeeOther(request.route_url("task", id=task.id))
    stale = refused.message is STALE_MOVE
    field = getattr(form, refused.field, None)
    if field is not None and not field.errors:
        field.errors = [refused.message]
    if stale:
        request.db.refresh(task)
        form.version.data = task.version
        form.version.raw_data = [str(task.version)]
    request.response.status_int = 409 if stale else 400
    return page_data(request, task, move=form)
