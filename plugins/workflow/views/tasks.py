"""Creating and editing a task, with optimistic locking on the edit."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.history import CHANGED
from core.models import Event
from core.record_forms import save_extensions
from plugins.workflow import _, tasks
from plugins.workflow.models import Task, Workflow
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.task_form import bind_task_form, form_values, validate

TASK_FORM = "plugins.workflow:templates/task_form.pt"

SAVED = _("Task saved.")
STALE_EDIT = _(
    "Someone else saved this task while you were editing. Your changes were not saved: "
    "check the values now stored and make your change again."
)


def get_task(request: Any) -> Task:
    task = request.db.get(Task, int(request.matchdict["id"]))
    if task is None:
        raise HTTPNotFound()
    return task


@view_config(route_name="task_new", renderer=TASK_FORM, permission=WorkflowPermission.TASK_EDIT)
def task_new(request: Any) -> Any:
    form = bind_task_form(request)
    if request.method == "POST":
        if validate(request, form, None):
            workflow = request.db.get(Workflow, form.workflow_id.data)
            try:
                with request.db.begin_nested():
                    task = tasks.create_task(request.db, workflow, form_values(form), request.user)
                    save_extensions(request, "task", task, form)
            except tasks.TaskRefused as refused:
                getattr(form, refused.field).errors = [refused.message]
            else:
                request.session.flash(request.localizer.translate(SAVED))
                return HTTPSeeOther(request.route_url("task", id=task.id))
        request.response.status_int = 400
    return {
        "form": form,
        "task": None,
        "stale": None,
        "show_workflow": len(form.workflow_id.choices) > 1 or bool(form.workflow_id.errors),
    }


@view_config(route_name="task_edit", renderer=TASK_FORM, permission=WorkflowPermission.TASK_EDIT)
def task_edit(request: Any) -> Any:
    task = get_task(request)
    form = bind_task_form(request, task)
    stale = None
    if request.method == "POST":
        if validate(request, form, task):
            if form.version.data != task.version:
                stale = _stale_report(request, task)
            else:
                try:
                    with request.db.begin_nested():
                        tasks.update_task(request.db, task, form_values(form), request.user)
                        save_extensions(request, "task", task, form)
                except StaleDataError:
                    request.db.expire_all()
                    stale = _stale_report(request, task)
                else:
                    request.session.flash(request.localizer.translate(SAVED))
                    return HTTPSeeOther(request.route_url("task", id=task.id))
        if stale is not None:
            # The next try is checked against what is stored now; the user's input stays.
            form.version.raw_data = [str(task.version)]
        request.response.status_int = 409 if stale is not None else 400
    return {"form": form, "task": task, "stale": stale, "show_workflow": False}


def _stale_report(request: Any, task: Task) -> dict[str, Any]:
    """Who saved the task last, and what: shown above the refused form."""
    event = request.db.scalar(
        select(Event)
        .where(Event.entity == "task", Event.record_id == task.id, Event.kind == CHANGED)
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(1)
    )
    return {
        "message": STALE_EDIT,
        "by": event.actor_label if event else "",
        "at": event.at if event else None,
        "changes": event.payload.get("changes", {}) if event else {},
    }
