"""Creating a batch of a campaign's tasks in bulk, with their history.

The workflow's ``create_task`` makes one task with a query for its board rank
and a flush of the ORM for each; a launch of 100,000 targets needs the same
rows written a batch at a time. So the tasks are one multi-row Core ``INSERT``
returning their ids in order, and their *created* events and the customers'
*joined the campaign* events one more each. Every row names its tenant: Core
statements are not seen by the session's tenant filter (row-level security
checks them on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    and_,
    any_,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
)

from core.history import CREATED, SYSTEM, USER
from core.models import Event, User, utcnow
from plugins.campaigns.assignment import Picker
from plugins.campaigns.models import Campaign
from plugins.workflow.board import local_today
from plugins.workflow.models import Priority, Task, TaskSource

#: The customer's history: it joined a campaign (written with the task it got).
JOINED = "campaign_joined"
TITLE_MAX = 200

_TASK = Task.__table__
_EVENT = Event.__table__
INSERT_TASKS = insert(_TASK)
INSERT_TASKS_RETURNING = INSERT_TASKS.returning(_TASK.c.id, sort_by_parameter_order=True)
#: PostgreSQL hands out a batch's ids in one statement; the insert then needs no RETURNING.
NEXT_TASK_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('task', 'id')) FROM generate_series(1, :count)"
)
#: The event columns an ``INSERT … SELECT`` of a batch's events fills, in order.
EVENT_COLUMNS = (
    "tenant_id",
    "at",
    "actor_type",
    "actor_user_id",
    "actor_label",
    "entity",
    "record_id",
    "kind",
    "payload",
)


@dataclass(frozen=True)
class Target:
    """A pending target as a batch reads it, with the names its task's title may use."""

    id: int
    customer_id: int
    contact_person_id: int | None
    customer_name: str
    responsible_user_id: int | None
    contact_name: str | None


def fill(template: str, campaign: Campaign, target: Target) -> str:
    """The template with ``{customer}``, ``{contact}`` and ``{campaign}`` filled in.

    A fixed placeholder syntax, never a template engine: the text is typed by users.
    """
    return (
        template.replace("{customer}", target.customer_name)
        .replace("{contact}", target.contact_name or "")
        .replace("{campaign}", campaign.name)
    )


def create_tasks(db: Any, campaign: Campaign, targets: list[Target], pick: Picker) -> list[int]:
    """A task for each target in the campaign's stage, first in its column; their ids."""
    tenant_id = campaign.tenant_id
    now = utcnow()
    due = (
        local_today() + timedelta(days=campaign.due_days) if campaign.due_days is not None else None
    )
    first = db.scalar(
        select(func.min(Task.board_rank)).where(
            Task.tenant_id == tenant_id, Task.stage_id == campaign.stage_id
        )
    )
    rank = (first or 0.0) - 1.0
    actor = db.get(User, campaign.launched_by_id) if campaign.launched_by_id else None
    rows = []
    for position, target in enumerate(targets):
        rows.append(
            {
                "tenant_id": tenant_id,
                "workflow_id": campaign.workflow_id,
                "stage_id": campaign.stage_id,
                "title": fill(campaign.task_title, campaign, target)[:TITLE_MAX],
                "description": fill(campaign.task_description, campaign, target),
                "customer_id": target.customer_id,
                "contact_person_id": target.contact_person_id,
                "responsible_user_id": pick(target.responsible_user_id),
                "team_id": campaign.team_id,
                "priority": Priority.NORMAL.value,
                "due_date": due,
                "source": TaskSource.CAMPAIGN.value,
                # The batch's tasks go first in the column, in the targets' order.
                "board_rank": rank - len(targets) + position,
                "custom_values": {},
                "created_by_id": campaign.launched_by_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    connection = db.connection()
    task_ids = _insert_tasks(connection, rows)
    write_events(connection, campaign, task_ids, actor, now)
    return task_ids


def write_events(
    connection: Any, campaign: Campaign, task_ids: list[int], actor: User | None, now: Any
) -> None:
    """Each new task's *created* event and its customer's *joined the campaign* event.

    Two ``INSERT … SELECT`` statements over the tasks just inserted (found by
    their primary keys), with the payloads built by the database's JSON
    function: ``{"text": title, "campaign_id"}`` and ``{"text": campaign name,
    "campaign_id", "task_id"}``, as ``record_event`` would have written them.
    """
    dialect = connection.dialect.name
    json_object = func.json_build_object if dialect == "postgresql" else func.json_object
    tasks = _TASK.c
    campaign_id = cast(literal(campaign.id), Integer)
    common = [
        cast(literal(campaign.tenant_id), Integer),
        literal(now, _EVENT.c.at.type),
        cast(literal(USER if actor is not None else SYSTEM), String),
        cast(literal(actor.id if actor is not None else None), Integer),
        cast(literal(actor.display_name if actor is not None else ""), String),
    ]
    created = select(
        *common,
        literal_column("'task'"),
        tasks.id,
        literal_column(f"'{CREATED}'"),
        json_object(
            literal_column("'text'"), tasks.title, literal_column("'campaign_id'"), campaign_id
        ),
    )
    joined = select(
        *common,
        literal_column("'customer'"),
        tasks.customer_id,
        literal_column(f"'{JOINED}'"),
        json_object(
            literal_column("'text'"),
            cast(literal(campaign.name), String),
            literal_column("'campaign_id'"),
            campaign_id,
            literal_column("'task_id'"),
            tasks.id,
        ),
    )
    for rows in (created, joined):
        connection.execute(
            insert(_EVENT).from_select(
                EVENT_COLUMNS,
                rows.where(
                    tasks.tenant_id == campaign.tenant_id, one_of(connection, tasks.id, task_ids)
                ).order_by(tasks.id),
            )
        )


def one_of(connection: Any, column: Any, ids: list[int]) -> Any:
    """``column IN ids`` for an indexed integer column, planned well with stale statistics.

    The range of the ids comes first: during a launch the statistics still say
    the table is as small as before it, and PostgreSQL then read every row of
    the tenant (``ix_…_tenant_id``) to pick the thousand of a batch; a range of
    the key is one it reads by the key's index whatever it believes. On
    PostgreSQL the ids are one array parameter (``= ANY``), not one parameter
    each, which took longer to parse and plan than the rows took to write.
    """
    within = column.between(min(ids), max(ids))
    if connection.dialect.name == "postgresql":
        return and_(within, column == any_(cast(literal(ids, ARRAY(Integer)), ARRAY(Integer))))
    return and_(within, column.in_(ids))


def _insert_tasks(connection: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; their ids, in order.

    On PostgreSQL the ids come from the table's sequence first and the rows
    are inserted with them: a plain multi-row insert, where ``RETURNING`` in
    the rows' order would make SQLAlchemy sort through a sentinel column.
    """
    if connection.dialect.name != "postgresql":
        return list(connection.execute(INSERT_TASKS_RETURNING, rows).scalars())
    task_ids = list(connection.execute(NEXT_TASK_IDS, {"count": len(rows)}).scalars())
    for row, task_id in zip(rows, task_ids, strict=True):
        row["id"] = task_id
    connection.execute(INSERT_TASKS, rows)
    return task_ids
