"""The board's queries: its columns, their totals, and one page of cards per column.

A board of 10,000 open tasks opens as fast as one of 100: the count and sum
of each column come from one grouped query, each column's cards are a keyset
page in board order (``ix_task_board`` / ``ix_task_team_board``), and the
customers, people and open activities of the cards shown are read in one
query each, never per card.

Won and lost columns show only tasks closed in the last ``RECENT_CLOSED_DAYS``
days, and their totals count those: the board is for the work in progress,
and a column of every task ever won would grow without end. Older closed
tasks are in the task list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_, select, union_all

from core.forms import row_id
from core.models import User, utcnow
from core.models.base import as_utc
from plugins.contacts.models import Customer
from plugins.workflow import open_counts
from plugins.workflow.models import Activity, Stage, Task, Workflow

PAGE_SIZE = 25
RECENT_CLOSED_DAYS = 30
TEXT_MAX = 200
LOCAL_TIME = ZoneInfo("Europe/Helsinki")
DUE_CHOICES = ("overdue", "today", "week")


@dataclass(frozen=True)
class BoardFilter:
    """The board's filters, read from the query string; a value that makes no sense is ignored."""

    team_id: int | None = None
    responsible_user_id: int | None = None
    customer_id: int | None = None
    due: str = ""
    text: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> BoardFilter:
        due = params.get("due", "")
        return cls(
            team_id=row_id(params.get("team")),
            responsible_user_id=row_id(params.get("responsible")),
            customer_id=row_id(params.get("customer")),
            due=due if due in DUE_CHOICES else "",
            text=str(params.get("q", "")).strip()[:TEXT_MAX],
        )

    def query(self) -> dict[str, Any]:
        """The filters as query-string parameters, for links that keep them."""
        values = {
            "team": self.team_id,
            "responsible": self.responsible_user_id,
            "customer": self.customer_id,
            "due": self.due,
            "q": self.text,
        }
        return {key: value for key, value in values.items() if value}

    def conditions(self, today: date) -> list[Any]:
        found: list[Any] = []
        if self.team_id:
            found.append(Task.team_id == self.team_id)
        if self.responsible_user_id:
            found.append(Task.responsible_user_id == self.responsible_user_id)
        if self.customer_id:
            found.append(Task.customer_id == self.customer_id)
        if self.due == "overdue":
            found.append(Task.due_date < today)
        elif self.due == "today":
            found.append(Task.due_date == today)
        elif self.due == "week":
            monday = today - timedelta(days=today.weekday())
            found.append(Task.due_date.between(monday, monday + timedelta(days=6)))
        if self.text:
            found.append(func.lower(Task.title).contains(self.text.lower(), autoescape=True))
        return found


@dataclass
class Card:
    id: int
    title: str
    version: int
    stage_id: int
    board_rank: float
    expected_value: Decimal | None
    due_date: date | None
    customer_id: int | None
    responsible_user_id: int | None
    customer_name: str = ""
    responsible_name: str = ""
    open_activities: int = 0
    #: Past its due day, or with an open activity past its time (open stages only).
    overdue: bool = False
    #: An open task nobody has planned anything for (no open activity).
    no_next_activity: bool = False


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    cards: list[Card] = field(default_factory=list)
    next_cursor: str = ""


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LOCAL_TIME).date()


def workflows(db: Any) -> list[Workflow]:
    return list(db.scalars(select(Workflow).order_by(Workflow.position, Workflow.id)))


def board_stages(db: Any, workflow_id: int) -> list[Stage]:
    """The stages that get a column: all but the retired ones, in order."""
    return list(
        db.scalars(
            select(Stage)
            .where(Stage.workflow_id == workflow_id, Stage.retired_at.is_(None))
            .order_by(Stage.position, Stage.id)
        )
    )


def _shown(stage_id: Any, closed: bool, cutoff: Any) -> Any:
    """Which tasks of a stage the board shows: all open ones, recently closed ones."""
    if closed:
        return and_(Task.stage_id == stage_id, Task.closed_at >= cutoff)
    return and_(Task.stage_id == stage_id, Task.closed_at.is_(None))


def closed_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=RECENT_CLOSED_DAYS)


def column_totals(
    db: Any, stages: Sequence[Stage], filters: BoardFilter, today: date, cutoff: datetime
) -> dict[int, tuple[int, Decimal]]:
    """``{stage id: (count, sum of expected value)}`` for the columns, in one query.

    The open columns are summed from the kept counts (``open_counts``) unless a
    filter they do not key (customer, text) makes them count the tasks; the
    closed ones count their recently closed tasks, a range of
    ``ix_task_board_totals`` (closed_at, then team) that never reads the
    100,000 older ones.
    """
    open_ids = [stage.id for stage in stages if not stage.is_closed]
    closed_ids = [stage.id for stage in stages if stage.is_closed]
    conditions = filters.conditions(today)
    open_part = open_counts.column_sums(open_ids, filters, today)
    if open_part is None:
        open_part = _task_sums(Task.closed_at.is_(None), Task.stage_id.in_(open_ids), *conditions)
    closed_part = _task_sums(Task.closed_at >= cutoff, Task.stage_id.in_(closed_ids), *conditions)
    rows = db.execute(union_all(open_part, closed_part)).all()
    return {stage_id: (count, Decimal(total)) for stage_id, count, total in rows}


def _task_sums(*conditions: Any) -> Any:
    """``stage_id, count, value`` of the tasks matching ``conditions``."""
    return (
        select(Task.stage_id, func.count(), func.coalesce(func.sum(Task.expected_value), 0))
        .where(*conditions)
        .group_by(Task.stage_id)
    )


def make_cursor(card: Card) -> str:
    return f"{card.board_rank!r}_{card.id}"


def parse_cursor(cursor: str | None) -> tuple[float, int] | None:
    """The card a cursor names; a malformed one means the column's first page."""
    if not cursor:
        return None
    rank, _sep, task_id = cursor.rpartition("_")
    try:
        return float(rank), int(task_id)
    except ValueError:
        return None


def _card_query(
    stage_id: Any,
    closed: bool,
    conditions: Sequence[Any],
    cutoff: Any,
    cursor: str | None,
    page_size: int,
) -> Any:
    """A page of a column's cards in board order after ``cursor`` (one more, to tell whether
    there is a next page), each with what its card shows: the customer's and the
    responsible person's names and the count and first time of its open activities,
    read by correlated subqueries so that the cards need no query of their own."""
    open_activity = (Activity.task_id == Task.id, Activity.done_at.is_(None))
    open_activity += (Activity.cancelled_at.is_(None),)
    query = (
        select(
            Task.id,
            Task.title,
            Task.version,
            Task.stage_id,
            Task.board_rank,
            Task.expected_value,
            Task.due_date,
            Task.customer_id,
            Task.responsible_user_id,
            select(Customer.name).where(Customer.id == Task.customer_id).scalar_subquery(),
            select(func.coalesce(User.name, User.email))
            .where(User.id == Task.responsible_user_id)
            .scalar_subquery(),
            select(func.count()).where(*open_activity).scalar_subquery(),
            select(func.min(Activity.due_at)).where(*open_activity).scalar_subquery(),
        )
        .where(_shown(stage_id, closed, cutoff), *conditions)
        .order_by(Task.board_rank, Task.id)
        .limit(page_size + 1)
    )
    after = parse_cursor(cursor)
    if after is not None:
        rank, task_id = after
        query = query.where(
            or_(Task.board_rank > rank, and_(Task.board_rank == rank, Task.id > task_id))
        )
    return query


def _cards(rows: Sequence[Any], page_size: int, marked: bool) -> tuple[list[Card], str]:
    """A column's cards from its rows in board order, marked if its stage is open."""
    today, now = local_today(), utcnow()
    cards = []
    for *fields, customer_name, responsible_name, open_activities, first_due in rows[:page_size]:
        card = Card(*fields, customer_name or "", responsible_name or "", open_activities)
        if marked:
            late_activity = first_due is not None and as_utc(first_due) < now
            card.overdue = late_activity or (card.due_date is not None and card.due_date < today)
            card.no_next_activity = card.open_activities == 0
        cards.append(card)
    return cards, make_cursor(cards[-1]) if len(rows) > page_size else ""


def column_page(
    db: Any,
    stage: Stage,
    filters: BoardFilter,
    today: date,
    cutoff: datetime,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
) -> tuple[list[Card], str]:
    """One page of a column's cards after ``cursor``, filled in; the next page's cursor."""
    query = _card_query(
        stage.id, stage.is_closed, filters.conditions(today), cutoff, cursor, page_size
    )
    rows = db.execute(query).all()
    return _cards(rows, page_size, not stage.is_closed)


def first_pages(
    db: Any, stages: Sequence[Stage], filters: BoardFilter, today: date, cutoff: datetime
) -> dict[int, tuple[list[Card], str]]:
    """The first page of every column in one statement: a ``UNION ALL`` of each column's
    own keyset page, so each part is still a range of its index."""
    if not stages:
        return {}
    conditions = filters.conditions(today)
    if conditions:
        columns = [(stage.id, stage.is_closed) for stage in stages]
        statement, params = _first_pages_of(columns, conditions, cutoff), {}
    else:
        statement = _unfiltered_first_pages(tuple(stage.is_closed for stage in stages))
        params = {"cutoff": cutoff, **{f"stage_{n}": stage.id for n, stage in enumerate(stages)}}
    by_stage: dict[int, list[Any]] = {stage.id: [] for stage in stages}
    for row in db.execute(statement, params).all():
        by_stage[row[3]].append(row)
    return {
        stage.id: _cards(
            sorted(by_stage[stage.id], key=lambda row: (row[4], row[0])),
            PAGE_SIZE,
            not stage.is_closed,
        )
        for stage in stages
    }


@lru_cache(maxsize=32)
def _unfiltered_first_pages(closed: tuple[bool, ...]) -> Any:
    """``first_pages``' statement without filters, for columns whose stages are closed or
    not as ``closed`` says.

    The stages' ids and the cut-off are bound parameters (``stage_0``, ``stage_1``, …,
    ``cutoff``), so every board of the same shape shares the one statement: building
    its parts, four subqueries each, took longer than running it.
    """
    columns = [(bindparam(f"stage_{n}"), is_closed) for n, is_closed in enumerate(closed)]
    return _first_pages_of(columns, (), bindparam("cutoff"))


def _first_pages_of(
    columns: Sequence[tuple[Any, bool]], conditions: Sequence[Any], cutoff: Any
) -> Any:
    """The ``UNION ALL`` of the first pages of ``columns``, each ``(stage id, closed)``."""
    return union_all(
        *(
            select(_card_query(stage_id, closed, conditions, cutoff, None, PAGE_SIZE).subquery())
            for stage_id, closed in columns
        )
    )


def board_columns(db: Any, workflow_id: int, filters: BoardFilter) -> list[Column]:
    """Every column of the workflow's board with its totals and first page of cards."""
    today, cutoff = local_today(), closed_cutoff()
    stages = board_stages(db, workflow_id)
    totals = column_totals(db, stages, filters, today, cutoff)
    pages = first_pages(db, stages, filters, today, cutoff)
    columns = []
    for stage in stages:
        count, total = totals.get(stage.id, (0, Decimal(0)))
        columns.append(Column(stage, count, total, *pages[stage.id]))
    return columns


def more_cards(
    db: Any, stage: Stage, filters: BoardFilter, cursor: str | None
) -> tuple[list[Card], str]:
    """The next page of one column, its cards filled in."""
    return column_page(db, stage, filters, local_today(), closed_cutoff(), cursor)
