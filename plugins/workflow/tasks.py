"""Tasks: creating, editing and listing them. Every change goes into the task's history.

A new task starts in the first open stage of its workflow; its stage changes
only through ``moves.move_task``. Edits are guarded by the task's ``version``
(optimistic locking), checked by the view and again by the database row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from core.history import CHANGED, CREATED, changes, record_event
from core.models import Membership, Team, User, utcnow
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow import _
from plugins.workflow.board import BoardFilter
from plugins.workflow.models import Stage, Task, TaskSource, Workflow
from plugins.workflow.moves import rank_after
from plugins.workflow.stages import first_open_stage

PAGE_SIZE = 50
#: Counting stops here: "more than 1 000" is as useful as the exact number, and its cost
#: does not grow with the tenant (as the customer register's ``COUNT_CAP``).
COUNT_CAP = 1_000

#: The fields a task's form edits, in the order its history lists them.
TRACKED = (
    "title",
    "description",
    "customer_id",
    "contact_person_id",
    "responsible_user_id",
    "team_id",
    "priority",
    "due_date",
    "expected_value",
    "close_date",
    "lost_reason",
)

NO_OPEN_STAGE = _("This workflow has no open stage to start a task in.")
NO_SUCH_WORKFLOW = _("Choose one of the workflows.")
NO_SUCH_CUSTOMER = _("Choose one of your customers.")
NO_SUCH_CONTACT = _("Choose a contact person of the chosen customer.")
CONTACT_NEEDS_CUSTOMER = _("Choose the customer first: a contact person belongs to one.")
NO_SUCH_MEMBER = _("Choose an active member of your organisation.")
NO_SUCH_TEAM = _("Choose one of your teams.")
LOST_REASON_REQUIRED = _("Say why the task was lost.")


class TaskRefused(Exception):
    def __init__(self, message: Any, field: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def is_active_member(db: Any, user_id: int) -> bool:
    """Whether ``user_id`` is an active member of the session's tenant."""
    return (
        db.scalar(
            select(Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.user_id == user_id, Membership.active, User.active)
        )
        is not None
    )


def reference_errors(db: Any, values: Mapping[str, Any], task: Task | None) -> dict[str, Any]:
    """``{field: message}`` for ids that are not this tenant's rows, or that do not fit.

    The session's tenant filter makes another tenant's id look like no row at
    all. A task may keep an archived customer it already has.
    """
    errors: dict[str, Any] = {}
    customer_id = values.get("customer_id")
    customer = db.get(Customer, customer_id) if customer_id else None
    if customer_id and (
        customer is None
        or (customer.archived_at is not None and (task is None or task.customer_id != customer_id))
    ):
        errors["customer_id"] = NO_SUCH_CUSTOMER
    person_id = values.get("contact_person_id")
    if person_id:
        person = db.get(ContactPerson, person_id)
        if not customer_id:
            errors["contact_person_id"] = CONTACT_NEEDS_CUSTOMER
        elif person is None or person.customer_id != customer_id:
            errors["contact_person_id"] = NO_SUCH_CONTACT
    responsible = values.get("responsible_user_id")
    if responsible and not is_active_member(db, responsible):
        keeps = task is not None and task.responsible_user_id == responsible
        if not keeps:
            errors["responsible_user_id"] = NO_SUCH_MEMBER
    team_id = values.get("team_id")
    if team_id and db.get(Team, team_id) is None:
        errors["team_id"] = NO_SUCH_TEAM
    return errors


def snapshot(db: Any, task: Task) -> dict[str, Any]:
    """The tracked fields as a person reads them (names, not ids), for the history."""
    values: dict[str, Any] = {}
    for key in TRACKED:
        value = getattr(task, key)
        values[key] = value.isoformat() if isinstance(value, date) else value
    values["expected_value"] = None if task.expected_value is None else f"{task.expected_value:.2f}"
    values["customer_id"] = _name(db, Customer, task.customer_id)
    values["contact_person_id"] = _name(db, ContactPerson, task.contact_person_id)
    values["team_id"] = _name(db, Team, task.team_id)
    user = db.get(User, task.responsible_user_id) if task.responsible_user_id else None
    values["responsible_user_id"] = user.display_name if user else None
    return values


def _name(db: Any, model: Any, row_id: int | None) -> str | None:
    row = db.get(model, row_id) if row_id else None
    return row.name if row is not None else None


def create_task(
    db: Any,
    workflow: Workflow,
    values: Mapping[str, Any],
    user: User | None,
    source: str = TaskSource.MANUAL,
    contact_request_id: int | None = None,
    stage: Stage | None = None,
) -> Task:
    """A task in ``stage`` (else the first open stage of ``workflow``), first in its column."""
    stage = stage or first_open_stage(db, workflow.id)
    if stage is None:
        raise TaskRefused(NO_OPEN_STAGE, "workflow_id")
    task = Task(
        workflow_id=workflow.id,
        stage_id=stage.id,
        board_rank=rank_after(db, stage.id, None, 0),
        source=source,
        contact_request_id=contact_request_id,
        created_by_id=user.id if user is not None else None,
    )
    for key in TRACKED:
        if key in values:
            setattr(task, key, values[key])
    task.lost_reason = None
    db.add(task)
    db.flush()
    record_event(db, "task", task.id, CREATED, {"text": task.title}, user=user)
    return task


def update_task(
    db: Any, task: Task, values: Mapping[str, Any], user: User | None
) -> dict[str, list[Any]]:
    """Apply an edit and record what changed; the version column refuses a stale one."""
    before = snapshot(db, task)
    for key in TRACKED:
        if key in values:
            setattr(task, key, values[key])
    if task.stage is None or task.stage.kind != "lost":
        task.lost_reason = None
    elif not (task.lost_reason or "").strip():
        raise TaskRefused(LOST_REASON_REQUIRED, "lost_reason")
    after = snapshot(db, task)
    changed = changes(before, after)
    if changed:
        task.updated_at = utcnow()
        db.flush()
        record_event(db, "task", task.id, CHANGED, {"changes": changed}, user=user)
    return changed


# --- the list -----------------------------------------------------------------

SORTS = {
    "due": (Task.due_date.is_(None), Task.due_date, Task.id),
    "-due": (Task.due_date.is_(None), Task.due_date.desc(), Task.id.desc()),
    "title": (Task.title, Task.id),
    "-title": (Task.title.desc(), Task.id.desc()),
    "value": (Task.expected_value.is_(None), Task.expected_value, Task.id),
    "-value": (Task.expected_value.is_(None), Task.expected_value.desc(), Task.id.desc()),
    "created": (Task.created_at, Task.id),
    "-created": (Task.created_at.desc(), Task.id.desc()),
    "stage": (Stage.position, Task.id),
    "-stage": (Stage.position.desc(), Task.id.desc()),
}
STATES = ("open", "closed", "all")


@dataclass(frozen=True)
class TaskFilter:
    """The list's filters: the board's (team, person, customer, due, text) and a few more."""

    board: BoardFilter
    stage_id: int | None = None
    workflow_id: int | None = None
    state: str = "open"
    sort: str = "-created"
    extra: tuple[Any, ...] = ()
    extra_order: tuple[Any, ...] = ()

    def conditions(self, today: date) -> list[Any]:
        found = self.board.conditions(today)
        if self.stage_id:
            found.append(Task.stage_id == self.stage_id)
        if self.workflow_id:
            found.append(Task.workflow_id == self.workflow_id)
        if self.state == "open":
            found.append(Task.closed_at.is_(None))
        elif self.state == "closed":
            found.append(Task.closed_at.is_not(None))
        return [*found, *self.extra]

    def order(self) -> tuple[Any, ...]:
        return self.extra_order or SORTS.get(self.sort, SORTS["-created"])


@dataclass
class TaskRow:
    task: Task
    stage: Stage
    customer_name: str
    responsible_name: str


def _query(filters: TaskFilter, today: date) -> Any:
    return (
        select(Task, Stage, Customer.name, User.name, User.email)
        .join(Stage, Stage.id == Task.stage_id)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .outerjoin(User, User.id == Task.responsible_user_id)
        .where(*filters.conditions(today))
        .order_by(*filters.order())
    )


def _rows(result: Any) -> Iterator[TaskRow]:
    for task, stage, customer, name, email in result:
        yield TaskRow(task, stage, customer or "", name or email or "")


#: What the task list shows of a task (and other plugins' columns read); the rest,
#: the description first, is read only if used.
LISTED = (Task.id, Task.title, Task.expected_value, Task.due_date, Task.custom_values)
#: Built once: an option costs more to build than to apply.
_LISTED_ONLY = load_only(*LISTED)


def list_page(db: Any, filters: TaskFilter, today: date, page: int) -> tuple[list[TaskRow], int]:
    """One page of the list and the number of matching tasks (capped at ``COUNT_CAP + 1``).

    The count is a column of the page's own statement (PostgreSQL runs it once); only a
    page past the end asks for it apart.
    """
    matching = (
        select(Task.id)
        .join(Stage, Stage.id == Task.stage_id)
        .where(*filters.conditions(today))
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    counted = select(func.count()).select_from(matching)
    offset = (page - 1) * PAGE_SIZE
    query = _query(filters, today).options(_LISTED_ONLY)
    query = query.add_columns(counted.scalar_subquery().label("total"))
    found = db.execute(query.limit(PAGE_SIZE).offset(offset)).all()
    rows = list(_rows(row[:-1] for row in found))
    if found:
        return rows, found[0][-1]
    return rows, (db.scalar(counted) or 0) if offset else 0


def all_matching(db: Any, filters: TaskFilter, today: date) -> Iterator[TaskRow]:
    """Every matching task, read in batches, for the CSV export."""
    return _rows(db.execute(_query(filters, today).execution_options(yield_per=500)))


#: The customer page's panel lists this many of the customer's tasks.
CUSTOMER_PANEL_SIZE = 10


@dataclass(frozen=True)
class CustomerTasks:
    """A customer's tasks for its page: the first ones, and the open ones' count and value."""

    rows: list[TaskRow]
    total: int
    open_count: int
    open_value: Decimal


def customer_tasks(db: Any, customer_id: int, today: date) -> CustomerTasks:
    """Open tasks first (soonest due first), then closed ones (latest first)."""
    filters = TaskFilter(
        board=BoardFilter(customer_id=customer_id),
        state="all",
        extra_order=(
            Task.closed_at.is_not(None),
            Task.closed_at.desc(),
            Task.due_date.is_(None),
            Task.due_date,
            Task.id.desc(),
        ),
    )
    rows = list(_rows(db.execute(_query(filters, today).limit(CUSTOMER_PANEL_SIZE))))
    total, open_count, open_value = db.execute(
        select(
            func.count(),
            func.count(Task.id).filter(Task.closed_at.is_(None)),
            func.sum(Task.expected_value).filter(Task.closed_at.is_(None)),
        ).where(Task.customer_id == customer_id)
    ).one()
    return CustomerTasks(rows, total, open_count, open_value or Decimal(0))
