"""Running the actions bound to a stage when a task enters it, and retrying a failed one.

Actions are offered by any enabled plugin through ``myynti_stage_actions``; a
stage holds ``StageActionBinding`` rows naming them by key. ``move_task``
enqueues ``workflow.run_stage_actions`` after a move into a stage with
actions; the job runs each action in a savepoint of its own, so one failing
action neither undoes nor stops the others, and writes the outcome (done, or
failed with the reason) into the task's history. A failed action stays on
the task page, with a button to run it again, until a later run succeeds.

The actions of a stage run even if the task has left it again before the
job ran: the task did enter the stage, and what it entered for (a quote, a
message) is the user's to undo.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from core import EventKind, JobType, StageAction
from core.history import record_event
from core.jobs import enqueue
from core.jobs.outbox import tenant_hooks
from core.models import Event
from plugins.workflow import _
from plugins.workflow.models import StageActionBinding, Task
from plugins.workflow.moves import RUN_STAGE_ACTIONS

log = logging.getLogger(__name__)

ACTION_DONE = "stage_action_done"
ACTION_FAILED = "stage_action_failed"
ACTION_RETRIED = "stage_action_retried"
OUTCOME_KINDS = (ACTION_DONE, ACTION_FAILED, ACTION_RETRIED)
REASON_MAX = 500

#: The reason recorded when no enabled plugin offers the bound action.
NOT_AVAILABLE = _("No enabled module offers this action.")


def event_kinds() -> list[EventKind]:
    template = "plugins.workflow:templates/event_stage_action.pt"
    return [
        EventKind(
            ACTION_DONE,
            _("Stage action done"),
            "✓",
            template,
        ),
        EventKind(
            ACTION_FAILED,
            _("Stage action failed"),
            "⚠",
            template,
        ),
        EventKind(
            ACTION_RETRIED,
            _("Stage action retried"),
            "↻",
            template,
        ),
    ]


def job_types() -> list[JobType]:
    return [JobType(RUN_STAGE_ACTIONS, run_stage_actions)]


def offered_actions(db: Any, tenant: Any) -> dict[str, StageAction]:
    """The actions the tenant's enabled plugins offer, by key (in a job: no request)."""
    hooks = tenant_hooks(db, tenant)
    return {action.key: action for action in hooks.collect("myynti_stage_actions", request=None)}


def run_stage_actions(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """The job: run the actions of ``payload["stage_id"]`` (or one binding) on the task."""
    task = db.get(Task, payload["task_id"])
    if task is None:
        return
    query = select(StageActionBinding).where(StageActionBinding.stage_id == payload["stage_id"])
    if payload.get("binding_id") is not None:
        query = query.where(StageActionBinding.id == payload["binding_id"])
    bindings = list(db.scalars(query.order_by(StageActionBinding.position)))
    if not bindings:
        return
    actions = offered_actions(db, tenant)
    for binding in bindings:
        _run_one(db, tenant, task, binding, actions.get(binding.action_key))


def _run_one(
    db: Any, tenant: Any, task: Task, binding: StageActionBinding, action: StageAction | None
) -> None:
    outcome = {
        "binding_id": binding.id,
        "stage_id": binding.stage_id,
        "action": binding.action_key,
        "label": action.label if action is not None else binding.action_key,
    }
    if action is None:
        outcome["reason"] = ""
        outcome["not_available"] = True
        record_event(db, "task", task.id, ACTION_FAILED, outcome)
        return
    try:
        with db.begin_nested():
            action.run(db=db, tenant=tenant, task=task, options=dict(binding.options or {}))
            db.flush()
    except Exception as exc:
        log.info("stage action %s on task %d failed", binding.action_key, task.id, exc_info=True)
        outcome["reason"] = (str(exc) or type(exc).__name__)[:REASON_MAX]
        record_event(db, "task", task.id, ACTION_FAILED, outcome)
    else:
        record_event(db, "task", task.id, ACTION_DONE, outcome)


def failed_actions(db: Any, task: Task) -> list[Event]:
    """The failure events of the task's actions whose last outcome is still a failure."""
    events = db.scalars(
        select(Event)
        .where(Event.entity == "task", Event.record_id == task.id, Event.kind.in_(OUTCOME_KINDS))
        .order_by(Event.at, Event.id)
    )
    last: dict[int, Event] = {}
    for event in events:
        last[event.payload.get("binding_id")] = event
    return [event for event in last.values() if event.kind == ACTION_FAILED]


def retry_action(request: Any, task: Task, event: Event) -> None:
    """Run the action of failure ``event`` again, after the request commits."""
    binding_id = event.payload.get("binding_id")
    record_event(
        request.db,
        "task",
        task.id,
        ACTION_RETRIED,
        {key: event.payload.get(key) for key in ("binding_id", "stage_id", "action", "label")},
        user=request.user,
    )
    enqueue(
        request.db,
        request.tenant,
        RUN_STAGE_ACTIONS,
        {"task_id": task.id, "stage_id": event.payload.get("stage_id"), "binding_id": binding_id},
    )
