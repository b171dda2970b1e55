"""Administering a tenant's workflows: the licence limit, stages, their order, retiring one.

Stages are never deleted, only retired, so old tasks keep their stage and
history. Retiring a stage that still holds open tasks moves them first,
each through ``moves.move_task``, so they get the same history events,
reactions and stage actions as a move on the board.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.i18n import in_every_language
from core.models import utcnow
from plugins.workflow import _
from plugins.workflow.models import Stage, StageActionBinding, StageKind, Task, Workflow
from plugins.workflow.moves import move_task

#: Workflows a tenant may have without a licence attribute raising it.
BASE_WORKFLOW_LIMIT = 1
#: The stages a new workflow starts with.
NEW_WORKFLOW_STAGES = (
    (_("New"), StageKind.OPEN, 10),
    (_("Won"), StageKind.WON, 100),
    (_("Lost"), StageKind.LOST, 0),
)

LIMIT_REACHED = _(
    "Your licence allows ${limit} workflow(s), and you have them all. "
    "Ask your supplier to raise the limit."
)
LAST_OPEN_STAGE = _("A workflow needs at least one open stage: add another before retiring this.")
TARGET_REQUIRED = _("Choose the stage where the open tasks of this stage go.")


class StageRefused(Exception):
    """An admin change that was not made: ``message`` for the user, by ``field``."""

    def __init__(self, message: Any, field: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def workflow_limit(tenant: Any) -> int:
    """How many workflows the tenant's licence allows (``licence["workflows"]``, at least 1)."""
    value = (tenant.licence or {}).get("workflows")
    try:
        return max(int(value), BASE_WORKFLOW_LIMIT)
    except (TypeError, ValueError):
        return BASE_WORKFLOW_LIMIT


def workflow_count(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(Workflow)) or 0


def add_workflow(db: Any, tenant: Any, name: dict[str, str]) -> Workflow:
    """A new workflow with a first, a won and a lost stage; refused beyond the licence."""
    limit = workflow_limit(tenant)
    if workflow_count(db) >= limit:
        raise StageRefused(_(LIMIT_REACHED, mapping={"limit": limit}), "name_fi")
    position = db.scalar(select(func.max(Workflow.position))) or 0
    workflow = Workflow(name=name, position=position + 1)
    db.add(workflow)
    db.flush()
    for index, (stage_name, kind, probability) in enumerate(NEW_WORKFLOW_STAGES):
        db.add(
            Stage(
                workflow_id=workflow.id,
                name=in_every_language(stage_name),
                kind=kind,
                probability=probability,
                position=index,
            )
        )
    db.flush()
    return workflow


def all_stages(db: Any, workflow_id: int) -> list[Stage]:
    """Every stage of the workflow, the retired ones too, in order."""
    return list(
        db.scalars(
            select(Stage).where(Stage.workflow_id == workflow_id).order_by(Stage.position, Stage.id)
        )
    )


def active_stages(db: Any, workflow_id: int) -> list[Stage]:
    return [stage for stage in all_stages(db, workflow_id) if stage.retired_at is None]


def first_open_stage(db: Any, workflow_id: int) -> Stage | None:
    """Where a new task starts: the first open stage that is not retired."""
    return db.scalar(
        select(Stage)
        .where(
            Stage.workflow_id == workflow_id,
            Stage.kind == StageKind.OPEN,
            Stage.retired_at.is_(None),
        )
        .order_by(Stage.position, Stage.id)
        .limit(1)
    )


def add_stage(db: Any, workflow: Workflow, values: dict[str, Any]) -> Stage:
    """A stage at the end of the workflow; the admin moves it where it belongs."""
    last = db.scalar(select(func.max(Stage.position)).where(Stage.workflow_id == workflow.id))
    stage = Stage(workflow_id=workflow.id, position=(last or 0) + 1, **values)
    db.add(stage)
    db.flush()
    return stage


def update_stage(db: Any, stage: Stage, values: dict[str, Any]) -> None:
    """Rename, change kind or probability. A stage that would leave no open one is refused."""
    if values.get("kind", stage.kind) != StageKind.OPEN and stage.kind == StageKind.OPEN:
        _keep_an_open_stage(db, stage)
    for key, value in values.items():
        setattr(stage, key, value)
    db.flush()


def move_stage(db: Any, stage: Stage, step: int) -> None:
    """Swap ``stage`` with its neighbour above (``step`` -1) or below (+1) among active stages."""
    stages = active_stages(db, stage.workflow_id)
    index = next(i for i, s in enumerate(stages) if s.id == stage.id)
    other = index + step
    if not 0 <= other < len(stages):
        return
    stages[index], stages[other] = stages[other], stages[index]
    for position, each in enumerate(stages):
        if each.position != position:
            each.position = position
    db.flush()


def open_task_count(db: Any, stage: Stage) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.stage_id == stage.id, Task.closed_at.is_(None))
        )
        or 0
    )


def retire_targets(db: Any, stage: Stage) -> list[Stage]:
    """Where the open tasks of a retiring stage may go: the workflow's other open stages."""
    return [
        s
        for s in active_stages(db, stage.workflow_id)
        if s.id != stage.id and s.kind == StageKind.OPEN
    ]


def retire_stage(request: Any, stage: Stage, target_id: int | None) -> int:
    """Retire ``stage``, moving its open tasks to ``target_id`` first; how many were moved."""
    db = request.db
    if stage.retired_at is not None:
        return 0
    if stage.kind == StageKind.OPEN:
        _keep_an_open_stage(db, stage)
    open_tasks = list(
        db.scalars(
            select(Task)
            .where(Task.stage_id == stage.id, Task.closed_at.is_(None))
            .order_by(Task.board_rank, Task.id)
        )
    )
    if open_tasks:
        targets = {s.id: s for s in retire_targets(db, stage)}
        if target_id not in targets:
            raise StageRefused(TARGET_REQUIRED, "target_id")
        previous = None
        for task in open_tasks:
            move_task(request, task, target_id, task.version, after_id=previous)
            previous = task.id
    stage.retired_at = utcnow()
    db.flush()
    return len(open_tasks)


def restore_stage(db: Any, stage: Stage) -> None:
    stage.retired_at = None
    db.flush()


def _keep_an_open_stage(db: Any, stage: Stage) -> None:
    others = db.scalar(
        select(func.count())
        .select_from(Stage)
        .where(
            Stage.workflow_id == stage.workflow_id,
            Stage.kind == StageKind.OPEN,
            Stage.retired_at.is_(None),
            Stage.id != stage.id,
        )
    )
    if not others:
        raise StageRefused(LAST_OPEN_STAGE, "kind")


def attach_action(db: Any, stage: Stage, action_key: str) -> StageActionBinding:
    last = db.scalar(
        select(func.max(StageActionBinding.position)).where(StageActionBinding.stage_id == stage.id)
    )
    binding = StageActionBinding(stage_id=stage.id, action_key=action_key, position=(last or 0) + 1)
    db.add(binding)
    db.flush()
    return binding


def detach_action(db: Any, binding: StageActionBinding) -> None:
    db.delete(binding)
    db.flush()
