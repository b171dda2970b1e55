"""Launching a campaign: snapshot the target group, then create the tasks in batches.

Each state change is one conditional ``UPDATE`` (``WHERE state = …``), so a
launch clicked twice, or a pause racing a resume, changes the campaign once.
The snapshot cuts the new targets into ``campaign_batch`` rows of
``BATCH_SIZE``, each with its place in the campaign (round-robin turns) and
its board ranks. The tasks are made by ``campaigns.launch_batch`` jobs, up to
``PARALLEL_BATCHES`` of a campaign at once on the worker's threads: a job
takes the first batch not done that no other job holds (``FOR UPDATE SKIP
LOCKED``), creates its targets' tasks, history and first-step messages in bulk,
marks it done, adds to the campaign's counters and starts its successor, all
in the job's one transaction. A worker killed in the middle rolls the batch
back whole; run again (or its message delivered twice), a job finds the batch
not done, or done, and makes no task twice. The job that finds no batch left
finishes the campaign, under the campaign row's lock (taken by the counters'
``UPDATE``), so that of two jobs ending at once the later one sees the other's
batch done. A pause is seen by the next job, which then stops. The targets
themselves are not written by a batch on PostgreSQL: their tasks' ids were
drawn with the snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core import JobType
from core.bulk import id_in
from core.db import mark_written
from core.jobs import enqueue
from core.jobs.outbox import enqueue_many
from core.models import utcnow
from plugins.campaigns import _, first_step
from plugins.campaigns.assignment import assignment_errors, picker
from plugins.campaigns.models import (
    Campaign,
    CampaignBatch,
    CampaignState,
    CampaignTarget,
    MessageState,
)
from plugins.campaigns.targets import TargetGroup, count, parse, row_id
from plugins.campaigns.tasks import Target, create_tasks
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import Stage, StageKind, Task

LAUNCH_BATCH = "campaigns.launch_batch"
#: ``INSERT … ON CONFLICT DO NOTHING`` of the databases Myynti runs on.
INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
#: Targets per batch: big enough for bulk inserts to pay, small enough that a
#: batch's transaction is short and a pause takes effect within a second or so.
BATCH_SIZE = 1000
#: Batches of one campaign made at once. Two keep both sides busy (the worker
#: builds one batch while the database writes another) and leave the web
#: processes and other jobs room; more made no launch faster on two cores.
PARALLEL_BATCHES = 2

NOTHING_MATCHES = _("The target group matches no customers, so there is nothing to launch.")
BAD_FILTERS = _("The target group has filters that cannot be used: ${problems}")
ALREADY_LAUNCHED = _("The campaign has already been launched.")
NOT_RUNNING = _("The campaign is not running.")
NOT_PAUSED = _("The campaign is not paused.")
CLOSED = _("The campaign is closed.")
STAGE_UNUSABLE = _("The stage where tasks start is retired or closed: choose another one.")
NO_MESSAGING = _(
    "The first step is a message, but messaging is not enabled for your organisation: "
    "remove the message from the campaign or ask your administrator to enable messaging."
)
NO_NEW_TARGETS = _("No new customers match the target group.")


class LaunchRefused(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def group_of(request: Any, campaign: Campaign) -> TargetGroup:
    """The campaign's saved target group; consent is required when it sends a message."""
    return parse(
        request,
        campaign.filters or {},
        campaign.tenant_id,
        consent=bool(campaign.message_template),
    )


def launch_problems(request: Any, campaign: Campaign, group: TargetGroup) -> list[Any]:
    """What stops the campaign's tasks from being made now, as messages for the user."""
    problems: list[Any] = []
    if not group.valid:
        problems.append(
            _(
                BAD_FILTERS,
                mapping={
                    "problems": "; ".join(
                        request.localizer.translate(m) for m in group.errors.values()
                    )
                },
            )
        )
    stage = request.db.get(Stage, campaign.stage_id)
    if stage is None or stage.retired_at is not None or stage.kind != StageKind.OPEN:
        problems.append(STAGE_UNUSABLE)
    values = {
        "assignment": campaign.assignment,
        "team_id": campaign.team_id,
        "assignee": campaign.assignee_user_id,
    }
    problems.extend(assignment_errors(request.db, campaign.tenant_id, values).values())
    if campaign.message_template and not first_step.messaging_enabled(request):
        problems.append(NO_MESSAGING)
    return problems


def _transition(db: Any, campaign: Campaign, old: Sequence[str], **values: Any) -> bool:
    """Move ``campaign`` out of one of the ``old`` states; False when it was not in one."""
    moved = db.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.state.in_(list(old)))
        .values(version=Campaign.version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(campaign)
    return bool(moved)


def launch(request: Any, campaign: Campaign) -> int:
    """Snapshot the target group and start the batches; the number of targets."""
    db = request.db
    if campaign.state != CampaignState.DRAFT:
        raise LaunchRefused(ALREADY_LAUNCHED)
    group = group_of(request, campaign)
    problems = launch_problems(request, campaign, group)
    if problems:
        raise LaunchRefused(problems[0])
    if count(db, group) == 0:
        raise LaunchRefused(NOTHING_MATCHES)
    now = utcnow()
    launched = _transition(
        db,
        campaign,
        [CampaignState.DRAFT],
        state=CampaignState.RUNNING,
        launched_at=now,
        launched_by_id=request.user.id,
    )
    if not launched:
        raise LaunchRefused(ALREADY_LAUNCHED)
    added, _already = snapshot(db, campaign, group)
    campaign.targets_total = added
    start_jobs(db, campaign)
    return added


def add_targets(request: Any, campaign: Campaign) -> tuple[int, int]:
    """Snapshot the customers the group matches now who are not yet in the campaign.

    Returns (added, already in the campaign). The new targets get their tasks
    from a batch started here, or from the running launch's next batch.
    """
    db = request.db
    if not campaign.is_open:
        raise LaunchRefused(CLOSED)
    if campaign.state == CampaignState.DRAFT:
        raise LaunchRefused(NOT_RUNNING)
    db.refresh(campaign, with_for_update=True)
    group = group_of(request, campaign)
    problems = launch_problems(request, campaign, group)
    if problems:
        raise LaunchRefused(problems[0])
    added, already = snapshot(db, campaign, group)
    if not added:
        raise LaunchRefused(NO_NEW_TARGETS)
    campaign.targets_total += added
    campaign.skipped += already
    if campaign.state == CampaignState.FINISHED:
        campaign.state = CampaignState.RUNNING
        start_jobs(db, campaign)
    db.flush()
    return added, already


def pause(db: Any, campaign: Campaign) -> None:
    if not _transition(db, campaign, [CampaignState.RUNNING], state=CampaignState.PAUSED):
        raise LaunchRefused(NOT_RUNNING)


def resume(db: Any, campaign: Campaign) -> None:
    if not _transition(db, campaign, [CampaignState.PAUSED], state=CampaignState.RUNNING):
        raise LaunchRefused(NOT_PAUSED)
    start_jobs(db, campaign)


def close(db: Any, campaign: Campaign) -> None:
    """Close the campaign: batches stop; targets without a task yet get none."""
    open_states = [s for s in CampaignState if s != CampaignState.CLOSED]
    if not _transition(db, campaign, open_states, state=CampaignState.CLOSED, closed_at=utcnow()):
        raise LaunchRefused(CLOSED)


def snapshot(db: Any, campaign: Campaign, group: TargetGroup) -> tuple[int, int]:
    """Copy the group's customers not yet in the campaign into its targets, in one statement.

    Returns (added, matched but already in the campaign).
    """
    tenant_id = campaign.tenant_id
    in_campaign = exists(
        select(CampaignTarget.id).where(
            CampaignTarget.tenant_id == tenant_id,
            CampaignTarget.campaign_id == campaign.id,
            CampaignTarget.customer_id == Customer.id,
        )
    )
    already = db.scalar(
        select(func.count()).where(group.customer_condition(), in_campaign).select_from(Customer)
    )
    persons = group.contact_persons()
    connection = db.connection()
    rows = (
        select(
            literal(tenant_id),
            literal(campaign.id),
            Customer.id,
            persons.c.person_id,
            task_id_drawn(connection),
            literal(utcnow(), DateTime(timezone=True)),
        )
        .outerjoin(persons, persons.c.customer_id == Customer.id)
        .where(group.customer_condition())
    )
    before = target_count(db, campaign)
    last_before = last_target_id(db, campaign)
    # Customers already in the campaign are left out by the unique key, probed once
    # per row. (A NOT EXISTS here let PostgreSQL, whose statistics said the table
    # was empty, scan the campaign's index entries per customer, those the
    # statement itself was adding included: minutes for 100,000 targets.)
    connection.execute(
        INSERTS[connection.dialect.name](CampaignTarget.__table__)
        .from_select(
            ["tenant_id", "campaign_id", "customer_id", "contact_person_id", "task_id", "added_at"],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "campaign_id", "customer_id"])
    )
    mark_written(db)
    # Counted: the INSERT … SELECT's rowcount came back as -1 through psycopg.
    added = target_count(db, campaign) - before
    cut_batches(db, campaign, last_before, before, added)
    return added, already or 0


def last_target_id(db: Any, campaign: Campaign) -> int:
    return (
        db.scalar(
            select(func.max(CampaignTarget.id)).where(
                CampaignTarget.tenant_id == campaign.tenant_id,
                CampaignTarget.campaign_id == campaign.id,
            )
        )
        or 0
    )


def cut_batches(db: Any, campaign: Campaign, after_id: int, before: int, added: int) -> None:
    """Cut the ``added`` targets with an id past ``after_id`` into batches, in one statement.

    ``before`` targets were in the campaign already: the new ones' turns come
    after theirs. The new tasks go first in the stage's column as it is now, in
    the targets' order: the first gets the rank ``added`` below the column's
    first card, and each batch its run of ranks from there.
    """
    if not added:
        return
    first_rank = db.scalar(
        select(func.min(Task.board_rank)).where(
            Task.tenant_id == campaign.tenant_id, Task.stage_id == campaign.stage_id
        )
    )
    top = (first_rank or 0.0) - added
    numbered = (
        select(
            CampaignTarget.id,
            (func.row_number().over(order_by=CampaignTarget.id) - 1).label("n"),
        )
        .where(
            CampaignTarget.tenant_id == campaign.tenant_id,
            CampaignTarget.campaign_id == campaign.id,
            CampaignTarget.id > after_id,
        )
        .subquery()
    )
    batches = select(
        literal(campaign.tenant_id),
        literal(campaign.id),
        func.min(numbered.c.id),
        func.max(numbered.c.id),
        literal(before) + func.min(numbered.c.n),
        cast(literal(top), Float) + func.min(numbered.c.n),
    ).group_by(numbered.c.n // BATCH_SIZE)
    db.execute(
        insert(CampaignBatch).from_select(
            [
                "tenant_id",
                "campaign_id",
                "first_target_id",
                "last_target_id",
                "position",
                "rank_base",
            ],
            batches,
        )
    )


def batches_left(db: Any, campaign: Campaign) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                CampaignBatch.tenant_id == campaign.tenant_id,
                CampaignBatch.campaign_id == campaign.id,
                CampaignBatch.done_at.is_(None),
            )
        )
        or 0
    )


def start_jobs(db: Any, campaign: Campaign) -> None:
    """Start the jobs that make the campaign's tasks: one per batch left, up to
    ``PARALLEL_BATCHES``; at least one, which finishes a campaign with none left."""
    jobs = max(1, min(PARALLEL_BATCHES, batches_left(db, campaign)))
    enqueue_many(db, campaign.tenant_id, LAUNCH_BATCH, [{"campaign_id": campaign.id}] * jobs)


def task_id_drawn(connection: Any) -> Any:
    """A target's task id as the snapshot writes it: drawn from the task sequence.

    On PostgreSQL, so that a batch inserts the task under the id its target
    already names and writes nothing back to the target. SQLite has no
    sequence to reserve ids from (a task inserted meanwhile would take a
    reserved one); there the batch sets it (``link_tasks``).
    """
    if connection.dialect.name == "postgresql":
        return literal_column("nextval(pg_get_serial_sequence('task', 'id'))", Integer)
    return null()


def target_count(db: Any, campaign: Campaign) -> int:
    return (
        db.scalar(
            select(func.count(CampaignTarget.id)).where(CampaignTarget.campaign_id == campaign.id)
        )
        or 0
    )


# --- the batch job ----------------------------------------------------------------

_TARGETS = CampaignTarget.__table__
_TASKS = Task.__table__
#: A first-step message's outcome on its target, run with a row of parameters each.
MARK_MESSAGE = (
    update(_TARGETS)
    .where(_TARGETS.c.tenant_id == bindparam("tenant"), _TARGETS.c.id == bindparam("target"))
    .values(message_state=bindparam("message_state"), message_note=bindparam("message_note"))
)


def link_tasks(connection: Any, tenant_id: int, targets: list[Target], task_ids: list[int]) -> None:
    """Write on the batch's targets that had no task id yet the task just made for each.

    Only where the snapshot drew none (SQLite; targets added before task ids
    were drawn). One ``UPDATE`` found by the targets' primary keys, the task
    read by a subquery over the batch's tasks (a campaign has one target per
    customer, a batch one task per target): an ``UPDATE … FROM (VALUES …)``
    was joined by hashing every target of the tenant when PostgreSQL's
    statistics were stale.
    """
    unlinked = [t.id for t in targets if t.task_id is None]
    if not unlinked:
        return
    task_of_target = (
        select(_TASKS.c.id)
        .where(
            _TASKS.c.tenant_id == tenant_id,
            _TASKS.c.customer_id == _TARGETS.c.customer_id,
            id_in(connection, _TASKS.c.id, task_ids),
        )
        .scalar_subquery()
    )
    connection.execute(
        update(_TARGETS)
        .where(_TARGETS.c.tenant_id == tenant_id, id_in(connection, _TARGETS.c.id, unlinked))
        .values(task_id=task_of_target)
    )


def mark_messages(connection: Any, tenant_id: int, sent: dict[int, tuple[str, str | None]]) -> None:
    """Record each target's first-step message: ``{target id: (state, note)}``."""
    if sent:
        connection.execute(
            MARK_MESSAGE,
            [
                {
                    "tenant": tenant_id,
                    "target": target,
                    "message_state": state,
                    "message_note": note,
                }
                for target, (state, note) in sent.items()
            ],
        )


def batch_targets(db: Any, campaign: Campaign, batch: CampaignBatch) -> list[Target]:
    """The batch's targets in the order they were added, with what their tasks show.

    A range of ``ix_campaign_target_order``: the last batch of a launch reads as
    little as the first.
    """
    rows = db.execute(
        select(
            CampaignTarget.id,
            CampaignTarget.customer_id,
            CampaignTarget.contact_person_id,
            Customer.name,
            Customer.responsible_user_id,
            ContactPerson.name,
            CampaignTarget.task_id,
        )
        .join(Customer, Customer.id == CampaignTarget.customer_id)
        .outerjoin(ContactPerson, ContactPerson.id == CampaignTarget.contact_person_id)
        .where(
            CampaignTarget.tenant_id == campaign.tenant_id,
            CampaignTarget.campaign_id == campaign.id,
            CampaignTarget.id.between(batch.first_target_id, batch.last_target_id),
        )
        .order_by(CampaignTarget.id)
    ).all()
    return [Target(*row) for row in rows]


def next_batch(db: Any, campaign: Campaign) -> CampaignBatch | None:
    """The campaign's first batch not done that no other job is making, locked for this one."""
    return db.scalar(
        select(CampaignBatch)
        .where(
            CampaignBatch.tenant_id == campaign.tenant_id,
            CampaignBatch.campaign_id == campaign.id,
            CampaignBatch.done_at.is_(None),
        )
        .order_by(CampaignBatch.first_target_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def refresh_statistics(connection: Any) -> None:
    """Bring PostgreSQL's statistics of the targets and tasks up to date as a launch finishes.

    A launch adds up to 100,000 rows to each in a minute, before autovacuum's
    analyze notices. The finished campaign's page shows its results straight
    away, and with the old statistics (a campaign of one target, say) the
    planner joins the campaign's tasks to its replies or activities in a
    nested loop, once per target: a second for 2,000 targets. ``ANALYZE``
    samples a fixed number of rows. It needs the tables' owner, so it runs in
    ``myynti_campaigns_analyze()`` (migration campaigns0004), which runs as the
    role that migrated: the app role need not own the tables.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT myynti_campaigns_analyze()")


def finish_if_done(db: Any, campaign: Campaign) -> bool:
    """Mark the campaign finished if no batch is left; whether none is.

    Called after the job's counters ``UPDATE`` has taken the campaign row's lock
    (or with no batch made), so a batch another job made at the same time is
    seen done once that job has committed.
    """
    if batches_left(db, campaign):
        return False
    if _transition(db, campaign, [CampaignState.RUNNING], state=CampaignState.FINISHED):
        refresh_statistics(db.connection())
    return True


def run_batch(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """One batch of a launch (the job ``campaigns.launch_batch``); starts its successor."""
    campaign = db.scalar(select(Campaign).where(Campaign.id == row_id(payload.get("campaign_id"))))
    if campaign is None or campaign.state != CampaignState.RUNNING:
        return
    stage = db.get(Stage, campaign.stage_id)
    if stage is None or stage.retired_at is not None or stage.kind != StageKind.OPEN:
        # The page says why (``launch_problems``); resuming after a fix goes on.
        _transition(db, campaign, [CampaignState.RUNNING], state=CampaignState.PAUSED)
        return
    batch = next_batch(db, campaign)
    if batch is None:
        finish_if_done(db, campaign)
        return
    targets = batch_targets(db, campaign, batch)
    sent: dict[int, tuple[str, str | None]] = {}
    if targets:
        pick = picker(db, campaign, batch.position)
        task_ids = create_tasks(db, campaign, targets, pick, batch.rank_base)
        if campaign.message_template:
            sent = first_step.send(db, tenant, campaign, targets, task_ids)
        link_tasks(db.connection(), campaign.tenant_id, targets, task_ids)
        mark_messages(db.connection(), campaign.tenant_id, sent)
    batch.done_at = utcnow()
    db.flush()
    states = [state for state, _note in sent.values()]
    db.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(
            targets_done=Campaign.targets_done + len(targets),
            messages_sent=Campaign.messages_sent + states.count(MessageState.SENT),
            messages_refused=Campaign.messages_refused + states.count(MessageState.REFUSED),
        )
        .execution_options(synchronize_session=False)
    )
    if not finish_if_done(db, campaign):
        enqueue(db, campaign.tenant_id, LAUNCH_BATCH, {"campaign_id": campaign.id})


def job_types() -> list[JobType]:
    return [JobType(LAUNCH_BATCH, run_batch)]
