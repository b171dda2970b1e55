"""Launching a campaign: check it can start, snapshot the target group, start the batches.

The snapshot copies the customers the group matches into the campaign's
targets in one statement and cuts them into batches (``batches``), whose jobs
make the tasks. Pause, resume and close are state changes (``states``) the
next batch job sees.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Integer, exists, func, literal, literal_column, null, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.models import utcnow
from plugins.campaigns import _, first_step
from plugins.campaigns.assignment import assignment_errors
from plugins.campaigns.batches import cut_batches, last_target_id, start_jobs
from plugins.campaigns.models import Campaign, CampaignState, CampaignTarget
from plugins.campaigns.states import transition
from plugins.campaigns.targets import TargetGroup, count, parse
from plugins.contacts.models import Customer
from plugins.workflow.models import Stage, StageKind

#: ``INSERT … ON CONFLICT DO NOTHING`` of the databases Myynti runs on.
INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
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
    launched = transition(
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
    if not transition(db, campaign, [CampaignState.RUNNING], state=CampaignState.PAUSED):
        raise LaunchRefused(NOT_RUNNING)


def resume(db: Any, campaign: Campaign) -> None:
    if not transition(db, campaign, [CampaignState.PAUSED], state=CampaignState.RUNNING):
        raise LaunchRefused(NOT_PAUSED)
    start_jobs(db, campaign)


def close(db: Any, campaign: Campaign) -> None:
    """Close the campaign: batches stop; targets without a task yet get none."""
    open_states = [s for s in CampaignState if s != CampaignState.CLOSED]
    if not transition(db, campaign, open_states, state=CampaignState.CLOSED, closed_at=utcnow()):
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
    # Counted: the INSERT … SELECT's rowcount came back as -1 through psycopg.
    added = target_count(db, campaign) - before
    cut_batches(db, campaign, last_before, before, added)
    return added, already or 0


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
