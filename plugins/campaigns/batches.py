"""Making a launched campaign's tasks: its targets cut into batches, each made by a job.

The snapshot (``launch.snapshot``) cuts the new targets into ``campaign_batch``
rows of ``BATCH_SIZE``, each with its place in the campaign (round-robin turns)
and its board ranks. The tasks are made by ``campaigns.launch_batch`` jobs, up
to ``myynti.campaign_batches`` of a campaign at once on the worker's threads: a
job takes the first batch not done that no other job holds (``FOR UPDATE SKIP
LOCKED``), creates its targets' tasks, history and first-step messages in bulk,
marks it done, adds to the campaign's counters and starts its successor, all in
the job's one transaction. A worker killed in the middle rolls the batch back
whole; run again (or its message delivered twice), a job finds the batch not
done, or done, and makes no task twice. The job that finds no batch left
finishes the campaign, under the campaign row's lock (taken by the counters'
``UPDATE``), so that of two jobs ending at once the later one sees the other's
batch done. A pause is seen by the next job, which then stops. The targets
themselves are not written by a batch on PostgreSQL: their tasks' ids were
drawn with the snapshot.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, bindparam, cast, func, insert, literal, select, update

from core import JobType
from core.bulk import id_in
from core.jobs import enqueue
from core.jobs.outbox import enqueue_many, queue_of
from core.models import utcnow
from plugins.campaigns import first_step
from plugins.campaigns.assignment import picker
from plugins.campaigns.models import (
    Campaign,
    CampaignBatch,
    CampaignState,
    CampaignTarget,
    MessageState,
)
from plugins.campaigns.states import transition
from plugins.campaigns.targets import row_id
from plugins.campaigns.tasks import Target, create_tasks
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import Stage, StageKind, Task

LAUNCH_BATCH = "campaigns.launch_batch"
#: Targets per batch: big enough for bulk inserts to pay, small enough that a
#: batch's transaction is short and a pause takes effect within a second or so.
BATCH_SIZE = 1000
#: The setting of how many batches of one campaign are made at once. Its default, two,
#: keeps both sides busy (the worker builds one batch while the database writes another:
#: 61 % of a raw insert's rate against 38 % one at a time, bench/README.md) and leaves the
#: worker's other threads to other jobs; a worker with more threads and a database with
#: more cores may take more.
PARALLEL_SETTING = "myynti.campaign_batches"


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
    """Start the jobs that make the campaign's tasks: one per batch left, up to the
    ``PARALLEL_SETTING``; at least one, which finishes a campaign with none left."""
    parallel = int(queue_of(db).settings[PARALLEL_SETTING])
    jobs = max(1, min(parallel, batches_left(db, campaign)))
    enqueue_many(db, campaign.tenant_id, LAUNCH_BATCH, [{"campaign_id": campaign.id}] * jobs)


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
    if transition(db, campaign, [CampaignState.RUNNING], state=CampaignState.FINISHED):
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
        transition(db, campaign, [CampaignState.RUNNING], state=CampaignState.PAUSED)
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
