"""How the API writes tasks and activities: the forms' checks, and the same saves and history.

The API plugin checks each value against its column and each id against the
tenant's rows; this adds the rules the task and activity forms apply (their
validators through ``core.forms.check_values``, and the same reference checks
as the views), then saves through ``tasks`` and ``activities``. A task's stage
changes only through ``moves.move_task``, as the record action ``move`` does,
so the stage event, the stage's actions and ``myynti_stage_changed`` follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from core import ActionRefused, FieldErrors
from core.forms import check_values
from core.models import utcnow
from plugins.contacts.models import Customer
from plugins.workflow import _, activities, activity_log, request_task, tasks
from plugins.workflow.board import workflows
from plugins.workflow.forms import ActivityForm, LogActivityForm, TaskForm
from plugins.workflow.models import Activity, Stage, Task, TaskSource, Workflow
from plugins.workflow.moves import NO_SUCH_STAGE, RETIRED_STAGE, STALE_MOVE, MoveRefused, move_task

#: The task fields the API writes: what the task form edits, its workflow (when it is
#: made) and its stage (a change is a move).
TASK_FIELDS = ("workflow_id", "stage_id", *tasks.TRACKED)
#: The activity fields the API writes; ``done_at`` marks it done (null: reopens it).
ACTIVITY_FIELDS = (
    "task_id",
    "customer_id",
    "contact_person_id",
    "type_id",
    "subject",
    "assignee_user_id",
    "due_at",
    "done_at",
    "outcome",
)
STAYS = _("This cannot be changed once the record is made.")
DONE_STAYS = _("This activity is done: reopen it (done_at null) before closing it undone.")


def _form(request: Any, form_class: type) -> Any:
    return form_class(meta={"locales": [request.locale_name, "en"]})


def save_task(request: Any, task: Task | None, values: Mapping[str, Any]) -> Task:
    """``EntityType.api_save`` of tasks: the form's checks, then create, move and update."""
    db = request.db
    values = dict(values)
    errors = check_values(_form(request, TaskForm), values, list(values))
    current = {key: getattr(task, key) for key in tasks.TRACKED} if task is not None else {}
    errors.update(tasks.reference_errors(db, {**current, **values}, task))
    if task is None:
        workflow, stage = _place(db, values, errors)
    elif values.get("workflow_id", task.workflow_id) != task.workflow_id:
        errors["workflow_id"] = STAYS
    if errors:
        raise FieldErrors(errors)
    try:
        if task is None:
            source = TaskSource.API
            return tasks.create_task(db, workflow, values, request.user, source, stage=stage)
        stage_id = values.get("stage_id", task.stage_id)
        if stage_id != task.stage_id:
            move_task(request, task, stage_id, task.version, lost_reason=values.get("lost_reason"))
        tasks.update_task(db, task, values, request.user)
    except (tasks.TaskRefused, MoveRefused) as refused:
        if refused.field == "version":
            raise ActionRefused(refused.message, "", 409) from None
        raise FieldErrors({refused.field: refused.message}) from None
    except StaleDataError:
        raise ActionRefused(STALE_MOVE, "", 409) from None
    return task


def _place(
    db: Any, values: Mapping[str, Any], errors: dict[str, Any]
) -> tuple[Workflow | None, Stage | None]:
    """A new task's workflow and stage: as given, else the stage's workflow, else the first."""
    stage = db.get(Stage, values["stage_id"]) if values.get("stage_id") else None
    if values.get("workflow_id"):
        workflow = db.get(Workflow, values["workflow_id"])
    elif stage is not None:
        workflow = db.get(Workflow, stage.workflow_id)
    else:
        workflow = next(iter(workflows(db)), None)
    if workflow is None:
        errors["workflow_id"] = tasks.NO_SUCH_WORKFLOW
    if stage is not None and workflow is not None and stage.workflow_id != workflow.id:
        errors["stage_id"] = NO_SUCH_STAGE
    elif stage is not None and stage.retired_at is not None:
        errors["stage_id"] = RETIRED_STAGE
    elif stage is not None and stage.is_closed:
        errors["stage_id"] = request_task.NO_SUCH_STAGE
    return workflow, stage


def save_activity(request: Any, activity: Activity | None, values: Mapping[str, Any]) -> Activity:
    """``EntityType.api_save`` of activities: as the task page, the log form and the edit do."""
    db = request.db
    values = dict(values)
    for key in ("subject", "outcome"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    if activity is None:
        return _add_activity(request, values)
    errors = check_values(_form(request, ActivityForm), values, list(values))
    for key in ("task_id", "customer_id", "contact_person_id"):
        if key in values and values[key] != getattr(activity, key):
            errors[key] = STAYS
    task = db.get(Task, activity.task_id) if activity.task_id else None
    type_id = values.get("type_id", activity.type_id)
    assignee = values.get("assignee_user_id", activity.assignee_user_id) or 0
    errors.update(activities.reference_errors(db, task, type_id, assignee, keep=activity))
    marks = "done_at" in values
    done = values.pop("done_at", None)
    _check_done(done, errors)
    if errors:
        raise FieldErrors(errors)
    try:
        activities.change_activity(db, activity, values, request.user)
        if marks and done is not None and activity.done_at is None:
            activities.complete(db, activity, "", request.user, at=done)
        elif marks and done is None and activity.done_at is not None:
            activities.reopen(db, activity, request.user)
    except StaleDataError:
        raise ActionRefused(activities.STALE_ACTIVITY, "", 409) from None
    return activity


def _add_activity(request: Any, values: dict[str, Any]) -> Activity:
    """A new activity on a task (as its page adds one) or a customer (as the log form does)."""
    db = request.db
    task = db.get(Task, values["task_id"]) if values.get("task_id") else None
    customer_id = values.get("customer_id") or (task.customer_id if task else None)
    # The task page's form when it is added to a task; else the log form's, on a customer.
    form = ActivityForm if task is not None and not values.get("customer_id") else LogActivityForm
    errors = check_values(_form(request, form), values, {*values, "subject"})
    if task is None:
        customer = db.get(Customer, customer_id) if customer_id else None
        if customer is None or customer.archived_at is not None:
            errors["customer_id"] = (
                activity_log.NO_SUCH_CUSTOMER if customer_id else activity_log.CUSTOMER_REQUIRED
            )
    elif values.get("customer_id") and (
        task.customer_id != values["customer_id"] or task.closed_at is not None
    ):
        # The log form offers the customer's open tasks only.
        errors["task_id"] = activity_log.NO_SUCH_TASK
    person = activities.person_error(db, customer_id, values.get("contact_person_id"))
    if person is not None:
        errors["contact_person_id"] = person
    assignee = values.get("assignee_user_id") or 0
    errors.update(activities.reference_errors(db, task, values["type_id"], assignee))
    _check_done(values.get("done_at"), errors)
    if errors:
        raise FieldErrors(errors)
    if values.get("done_at") is not None and values.get("due_at") is None:
        values["due_at"] = values["done_at"]
    values["customer_id"] = customer_id
    values.pop("task_id", None)
    return activities.add_activity(db, task, values, request.user)


def _check_done(done: datetime | None, errors: dict[str, Any]) -> None:
    if done is not None and done > utcnow():
        errors["done_at"] = activity_log.DONE_IN_FUTURE


def archive_activity(request: Any, activity: Activity) -> None:
    """``EntityType.api_archive`` of activities: closed undone, as closing its task does.

    The activity leaves my work and the open lists, is not counted as done, and
    stays on its timeline with an "activity closed" event. One already closed is
    left as it is; a done one stays done (a conflict with its state: 409).
    """
    if activity.cancelled_at is not None:
        return
    if activity.done_at is not None:
        raise ActionRefused(DONE_STAYS, "done_at", 409)
    try:
        activities.close_undone(request.db, activity, request.user)
    except StaleDataError:
        raise ActionRefused(activities.STALE_ACTIVITY, "", 409) from None
