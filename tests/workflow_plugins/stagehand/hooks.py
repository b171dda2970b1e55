"""Stage actions that leave a trace in the task's history, so tests see that they ran."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import func, select

from core import EventKind, StageAction, hookimpl
from core.history import record_event
from core.models import Event
from plugins.workflow.models import Task

TRACE = "stagehand_trace"
REACTION = "stagehand_reaction"


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("stagehand_task", "/stagehand/tasks/{id:\\d+}")
    config.add_view(
        task_page,
        route_name="stagehand_task",
        renderer="tests.workflow_plugins.stagehand:templates/task.pt",
        permission="workflow:task:view",
    )


def task_page(request: Any) -> dict[str, Any]:
    """A bare record page of a task: its title and the record slots other plugins fill."""
    task = request.db.get(Task, int(request.matchdict["id"]))
    if task is None:
        raise HTTPNotFound()
    request.page_context = task
    return {"task": task}


def _trace(db: Any, task: Any, options: dict[str, Any]) -> None:
    record_event(db, "task", task.id, TRACE, {"text": options.get("text", "done")})


def write_trace(db: Any, tenant: Any, task: Any, options: dict[str, Any]) -> None:
    _trace(db, task, options)


def fail_once(db: Any, tenant: Any, task: Any, options: dict[str, Any]) -> None:
    """Fails until the task's history holds a failure of this action, then works."""
    failures = db.scalar(
        select(func.count())
        .select_from(Event)
        .where(
            Event.entity == "task",
            Event.record_id == task.id,
            Event.kind == "stage_action_failed",
        )
    )
    if not failures:
        raise RuntimeError("the mail server did not answer")
    _trace(db, task, options)


def always_fail(db: Any, tenant: Any, task: Any, options: dict[str, Any]) -> None:
    _trace(db, task, options)
    raise RuntimeError("the printer is on fire")


@hookimpl
def myynti_stage_actions() -> list[StageAction]:
    return [
        StageAction("stagehand.trace", {"fi": "Jälki", "en": "Trace"}, run=write_trace),
        StageAction("stagehand.flaky", {"fi": "Epävarma", "en": "Flaky"}, run=fail_once),
        StageAction("stagehand.broken", {"fi": "Rikki", "en": "Broken"}, run=always_fail),
    ]


@hookimpl
def myynti_stage_changed(db: Any, task: Any, old_stage: Any, new_stage: Any) -> None:
    """A reaction to every move: the stage names, in the task's history."""
    text = f"{old_stage.name['fi']} → {new_stage.name['fi']}"
    record_event(db, "task", task.id, REACTION, {"text": text})


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [
        EventKind(TRACE, {"fi": "Jälki", "en": "Trace"}),
        EventKind(REACTION, {"fi": "Reaktio", "en": "Reaction"}),
    ]
