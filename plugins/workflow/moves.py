"""Moving a task to another stage: the one way a task's stage changes.

The task page's form, the board's drag and drop and its no-JS form all call
``move_task``, so the checks (same workflow and tenant, stage not retired, a
reason for a lost stage, the version the user saw) hold alike everywhere.
A refused move raises ``MoveRefused`` before anything is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from core import EventKind
from core.history import record_event
from core.jobs import enqueue
from core.models import utcnow
from plugins.workflow import _, activities
from plugins.workflow.models import Stage, StageActionBinding, StageKind, Task

STAGE_CHANGED = "stage_changed"
#: The job that runs a stage's actions after the move has committed.
RUN_STAGE_ACTIONS = "workflow.run_stage_actions"
LOST_REASON_MAX = 300

NO_SUCH_STAGE = _("Choose a stage of this task's workflow.")
RETIRED_STAGE = _("This stage is retired: choose another one.")
LOST_REASON_REQUIRED = _("Say why the task was lost.")
LOST_REASON_TOO_LONG = _("The reason may be at most 300 characters long.")
STALE_MOVE = _(
    "Someone else changed this task while you were looking at it, so it was not moved. "
    "Check its current stage and move it again."
)


def event_kinds() -> list[EventKind]:
    return [
        EventKind(
            STAGE_CHANGED,
            _("Stage changed"),
            "➜",
            "plugins.workflow:templates/event_stage_changed.pt",
        )
    ]


class MoveRefused(Exception):
    """A move that was not made: ``message`` for the user, shown by ``field``."""

    def __init__(self, message: Any, field: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def move_task(
    request: Any,
    task: Task,
    stage_id: int,
    version: int,
    lost_reason: str | None = None,
    after_id: int | None = None,
    on_close: str = activities.CLOSE_UNDONE,
) -> None:
    """Move ``task`` into stage ``stage_id``, after card ``after_id`` (first when None).

    ``version`` is the task's version the user saw; a task changed since is
    refused. Entering a won or lost stage closes the task, leaving them reopens
    it; entering one settles the task's open activities as ``on_close`` says
    (closed undone by default, so none stays overdue on anyone's my work). A
    move within the same stage only reorders the card. Writes the task
    row, a history event and, when the stage has actions, a job row, all in the
    request's transaction; raises ``MoveRefused`` having written nothing.
    """
    db = request.db
    new_stage = db.get(Stage, stage_id)
    if new_stage is None or new_stage.workflow_id != task.workflow_id:
        raise MoveRefused(NO_SUCH_STAGE, "stage_id")
    if new_stage.retired_at is not None and new_stage.id != task.stage_id:
        raise MoveRefused(RETIRED_STAGE, "stage_id")
    if task.version != version:
        raise MoveRefused(STALE_MOVE, "version")
    stage_changed = new_stage.id != task.stage_id
    reason = (lost_reason or "").strip()
    if stage_changed and new_stage.kind == StageKind.LOST:
        if not reason:
            raise MoveRefused(LOST_REASON_REQUIRED, "lost_reason")
        if len(reason) > LOST_REASON_MAX:
            raise MoveRefused(LOST_REASON_TOO_LONG, "lost_reason")

    old_stage = db.get(Stage, task.stage_id)
    rank = rank_after(db, new_stage.id, after_id, task.id)
    try:
        # The version check above misses a move that commits between reading the
        # task and writing it; the version column catches that one. The changes
        # are made inside the savepoint, which flushes whatever was pending first.
        with db.begin_nested():
            task.board_rank = rank
            if stage_changed:
                task.stage_id = new_stage.id
                task.stage_entered_at = utcnow()
                if new_stage.is_closed and task.closed_at is None:
                    task.closed_at = utcnow()
                elif not new_stage.is_closed:
                    task.closed_at = None
                task.lost_reason = reason if new_stage.kind == StageKind.LOST else None
            db.flush()
    except StaleDataError:
        db.expire(task)
        raise MoveRefused(STALE_MOVE, "version") from None
    if stage_changed:
        _record_stage_change(request, task, old_stage, new_stage)
        if new_stage.is_closed and not old_stage.is_closed:
            activities.settle_on_close(db, task, on_close, request.user)


def rank_after(db: Any, stage_id: int, after_id: int | None, moving_id: int) -> float:
    """A ``board_rank`` that puts a card right after ``after_id`` in the stage's column.

    Between the two neighbours, so only the moved row is written. With no
    ``after_id``, or one that is not (any more) in that column, the card goes first.
    """
    column = (Task.stage_id == stage_id, Task.id != moving_id)
    previous = None
    if after_id is not None:
        previous = db.scalar(select(Task.board_rank).where(Task.id == after_id, *column))
    if previous is None:
        first = db.scalar(select(func.min(Task.board_rank)).where(*column))
        return 0.0 if first is None else first - 1.0
    following = db.scalar(
        select(func.min(Task.board_rank)).where(Task.board_rank > previous, *column)
    )
    return previous + 1.0 if following is None else (previous + following) / 2


def _record_stage_change(request: Any, task: Task, old_stage: Stage, new_stage: Stage) -> None:
    db = request.db
    record_event(
        db,
        "task",
        task.id,
        STAGE_CHANGED,
        {
            "old": old_stage.name,
            "new": new_stage.name,
            "old_stage_id": old_stage.id,
            "new_stage_id": new_stage.id,
        },
        user=request.user,
    )
    request.plugins.myynti_stage_changed(
        db=db, tenant=request.tenant, task=task, old_stage=old_stage, new_stage=new_stage
    )
    has_actions = db.scalar(
        select(StageActionBinding.id).where(StageActionBinding.stage_id == new_stage.id).limit(1)
    )
    if has_actions is not None:
        enqueue(
            db,
            request.tenant,
            RUN_STAGE_ACTIONS,
            {"task_id": task.id, "stage_id": new_stage.id},
        )
