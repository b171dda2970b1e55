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
    cast,
    column,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
)

from core.bulk import EVENT, id_in, records_created_in_bulk
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
INSERT_TASKS_RETURNING = insert(_TASK).returning(_TASK.c.id, sort_by_parameter_order=True)
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
    #: Its task's id, drawn with the snapshot (PostgreSQL), or None: the insert draws one.
    task_id: int | None = None


def fill(template: str, campaign: Campaign, target: Target) -> str:
    """The template with ``{customer}``, ``{contact}`` and ``{campaign}`` filled in.

    A fixed placeholder syntax, never a template engine: the text is typed by users.
    """
    return (
        template.replace("{customer}", target.customer_name)
        .replace("{contact}", target.contact_name or "")
        .replace("{campaign}", campaign.name)
    )


def create_tasks(
    db: Any, campaign: Campaign, targets: list[Target], pick: Picker, rank_base: float
) -> list[int]:
    """A task for each target in the campaign's stage; their ids.

    The tasks take the board ranks from ``rank_base`` on, in the targets' order
    (the batch's, cut with the snapshot: first in the column).
    """
    tenant_id = campaign.tenant_id
    now = utcnow()
    due = (
        local_today() + timedelta(days=campaign.due_days) if campaign.due_days is not None else None
    )
    actor = db.get(User, campaign.launched_by_id) if campaign.launched_by_id else None
    # What every task of the batch has alike, and what each has of its own.
    common = {
        "tenant_id": tenant_id,
        "workflow_id": campaign.workflow_id,
        "stage_id": campaign.stage_id,
        "team_id": campaign.team_id,
        "priority": Priority.NORMAL.value,
        "due_date": due,
        "source": TaskSource.CAMPAIGN.value,
        "custom_values": {},
        "created_by_id": campaign.launched_by_id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    own: dict[str, list[Any]] = {
        "title": [fill(campaign.task_title, campaign, t)[:TITLE_MAX] for t in targets],
        "description": [fill(campaign.task_description, campaign, t) for t in targets],
        "customer_id": [t.customer_id for t in targets],
        "contact_person_id": [t.contact_person_id for t in targets],
        "responsible_user_id": [pick(t.responsible_user_id) for t in targets],
        "board_rank": [rank_base + position for position in range(len(targets))],
    }
    connection = db.connection()
    drawn = [t.task_id for t in targets]
    task_ids = insert_tasks(connection, common, own, drawn if None not in drawn else None)
    event_ids = write_events(connection, campaign, task_ids, actor, now)
    records_created_in_bulk(db, tenant_id, "task", task_ids)
    records_created_in_bulk(db, tenant_id, EVENT, event_ids)
    return task_ids


def write_events(
    connection: Any, campaign: Campaign, task_ids: list[int], actor: User | None, now: Any
) -> list[int]:
    """Each new task's *created* event and its customer's *joined the campaign* event; their ids.

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
    event_ids: list[int] = []
    for rows in (created, joined):
        event_ids += connection.execute(
            insert(_EVENT)
            .from_select(
                EVENT_COLUMNS,
                rows.where(
                    tasks.tenant_id == campaign.tenant_id, id_in(connection, tasks.id, task_ids)
                ).order_by(tasks.id),
            )
            .returning(_EVENT.c.id)
        ).scalars()
    return event_ids


def insert_tasks(
    connection: Any,
    common: dict[str, Any],
    own: dict[str, list[Any]],
    drawn: list[int] | None = None,
) -> list[int]:
    """Insert tasks of the ``common`` values and each of its ``own`` ones; their ids, in order.

    On PostgreSQL the ids are ``drawn`` (from the table's sequence, with the
    targets' snapshot) or drawn from it first, and the rows
    are one ``INSERT … SELECT`` from ``unnest`` of an array per column of
    their own: one statement, where an ``executemany`` is a statement per row.
    Elsewhere (SQLite, the tests) an ``executemany`` returning the ids.
    """
    count = len(next(iter(own.values())))
    if connection.dialect.name != "postgresql":
        rows = [{**common, **{key: values[n] for key, values in own.items()}} for n in range(count)]
        return list(connection.execute(INSERT_TASKS_RETURNING, rows).scalars())
    task_ids = drawn or list(connection.execute(NEXT_TASK_IDS, {"count": count}).scalars())
    arrays = {"id": task_ids, **own}
    types = {key: _TASK.c[key].type for key in arrays}
    each = (
        func.unnest(
            *(
                cast(literal(values, ARRAY(types[key])), ARRAY(types[key]))
                for key, values in arrays.items()
            )
        )
        .table_valued(*(column(key, types[key]) for key in arrays))
        .render_derived(with_types=False)
    )
    alike = [
        cast(literal(value, _TASK.c[key].type), _TASK.c[key].type) for key, value in common.items()
    ]
    connection.execute(
        insert(_TASK).from_select(
            [*arrays, *common], select(*(each.c[key] for key in arrays), *alike)
        )
    )
    return task_ids
