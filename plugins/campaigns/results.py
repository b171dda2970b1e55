"""A campaign's results: a few set-based queries over its targets and their tasks.

Kept apart from the pages so that a report (the reports plugin) can read the
same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from core.models import Event, as_utc
from plugins.campaigns.models import Campaign, CampaignTarget, MessageState
from plugins.contacts.models import ContactRequest
from plugins.workflow.board import LOCAL_TIME
from plugins.workflow.models import Activity, Stage, StageKind, Task


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    count: int
    value: Decimal


@dataclass(frozen=True)
class Results:
    targets: int
    with_task: int
    stages: list[StageCount]
    won: int
    won_value: Decimal
    lost: int
    lost_reasons: list[tuple[str, int]]
    activities_done: int
    messages_sent: int
    messages_refused: int
    #: Messages received on the campaign's tasks (replies), as the messaging plugin recorded them.
    replies: int
    requests: int
    #: ``(Monday of the week, tasks won that week)``, oldest first.
    won_by_week: list[tuple[date, int]]


def _tasks(campaign: Campaign) -> Any:
    """The campaign's tasks as a subquery (``task_id``): its targets'.

    Joined to (not ``IN``) the rows counted, so that PostgreSQL hashes the
    targets' task ids once and reads the tasks, activities or events in one
    pass; each target has its own task, so the join counts nothing twice. A
    target whose batch is not done yet names a task id drawn for it that no
    task has yet, so it joins nothing.
    """
    return (
        select(CampaignTarget.task_id)
        .where(CampaignTarget.campaign_id == campaign.id, CampaignTarget.task_id.is_not(None))
        .subquery("campaign_task")
    )


def target_counts(db: Any, campaign: Campaign) -> tuple[int, int, int, int]:
    """The campaign's targets, how many have their task (the launch's count), and how many
    were sent the first-step message and how many were not, in one pass over the targets."""
    state = CampaignTarget.message_state
    row = db.execute(
        select(
            func.count(),
            func.count().filter(state == MessageState.SENT),
            func.count().filter(state == MessageState.REFUSED),
        ).where(CampaignTarget.campaign_id == campaign.id)
    ).one()
    return row[0], campaign.targets_done, row[1], row[2]


@dataclass(frozen=True)
class TaskFigures:
    stages: list[StageCount]
    lost_reasons: list[tuple[str, int]]
    won_by_week: list[tuple[date, int]]


def task_figures(db: Any, campaign: Campaign) -> TaskFigures:
    """Tasks by stage, lost tasks by reason and won tasks by week, in one pass over the tasks.

    Grouped by stage, by the reason of a lost task and by the week a won one
    was closed (on PostgreSQL; elsewhere by its moment, put into weeks here),
    so the tasks are read once instead of once for each figure.
    """
    campaign_task = _tasks(campaign)
    # The tenant's stages are few: their kinds are read first, so that the tasks'
    # query needs no join to them.
    found = {stage.id: stage for stage in db.scalars(select(Stage))}
    lost = [id_ for id_, stage in found.items() if stage.kind == StageKind.LOST]
    won = [id_ for id_, stage in found.items() if stage.kind == StageKind.WON]
    reason = case((Task.stage_id.in_(lost), func.coalesce(Task.lost_reason, "")))
    in_sql = db.get_bind().dialect.name == "postgresql"
    closed = Task.closed_at
    if in_sql:
        # The week's Monday in the local calendar, so that won tasks come as a row a week.
        closed = func.date_trunc("week", func.timezone(LOCAL_TIME.key, Task.closed_at))
    won_at = case((Task.stage_id.in_(won), closed))
    rows = db.execute(
        select(
            Task.stage_id,
            reason.label("reason"),
            won_at.label("won_at"),
            func.count(),
            func.coalesce(func.sum(Task.expected_value), 0),
        )
        .join(campaign_task, campaign_task.c.task_id == Task.id)
        .group_by(Task.stage_id, reason, won_at)
    ).all()
    counts: dict[int, int] = {}
    values: dict[int, Decimal] = {}
    reasons: dict[str, int] = {}
    weeks: dict[date, int] = {}
    for stage_id, lost_reason, moment, count, value in rows:
        counts[stage_id] = counts.get(stage_id, 0) + count
        values[stage_id] = values.get(stage_id, Decimal(0)) + Decimal(value)
        if lost_reason is not None:
            reasons[lost_reason] = reasons.get(lost_reason, 0) + count
        if moment is not None:
            day = moment.date() if in_sql else as_utc(moment).astimezone(LOCAL_TIME).date()
            monday = day - timedelta(days=day.weekday())
            weeks[monday] = weeks.get(monday, 0) + count
    stages = sorted((found[id_] for id_ in counts), key=lambda stage: (stage.position, stage.id))
    return TaskFigures(
        stages=[StageCount(stage, counts[stage.id], values[stage.id]) for stage in stages],
        lost_reasons=sorted(reasons.items(), key=lambda item: -item[1]),
        won_by_week=sorted(weeks.items()),
    )


def activities_done(db: Any, campaign: Campaign) -> int:
    campaign_task = _tasks(campaign)
    return (
        db.scalar(
            select(func.count(Activity.id))
            .join(campaign_task, campaign_task.c.task_id == Activity.task_id)
            .where(Activity.done_at.is_not(None))
        )
        or 0
    )


#: The history kind under which the tenant's messaging plugin records a received
#: message on the record it was routed to (messaging's ``MESSAGE_IN``). Read from
#: the shared history, never imported: without messaging there are none.
MESSAGE_RECEIVED = "message_in"


def replies_received(db: Any, campaign: Campaign) -> int:
    """Messages received on the campaign's tasks: replies to the campaign's contacting."""
    campaign_task = _tasks(campaign)
    return (
        db.scalar(
            select(func.count(Event.id))
            .join(campaign_task, campaign_task.c.task_id == Event.record_id)
            .where(Event.entity == "task", Event.kind == MESSAGE_RECEIVED)
        )
        or 0
    )


def web_form_requests(db: Any, campaign: Campaign) -> int:
    """Contact requests sent from a form on the campaign's landing page."""
    if not campaign.landing_page:
        return 0
    page = ContactRequest.extra["page"].as_string()
    return (
        db.scalar(
            select(func.count(ContactRequest.id)).where(
                page.startswith(campaign.landing_page, autoescape=True)
            )
        )
        or 0
    )


def results(db: Any, campaign: Campaign) -> Results:
    targets, with_task, sent, refused = target_counts(db, campaign)
    figures = task_figures(db, campaign)
    stages = figures.stages
    won = [s for s in stages if s.stage.kind == StageKind.WON]
    lost = [s for s in stages if s.stage.kind == StageKind.LOST]
    return Results(
        targets=targets,
        with_task=with_task,
        stages=stages,
        won=sum(s.count for s in won),
        won_value=sum((s.value for s in won), Decimal(0)),
        lost=sum(s.count for s in lost),
        lost_reasons=figures.lost_reasons,
        activities_done=activities_done(db, campaign),
        messages_sent=sent,
        messages_refused=refused,
        replies=replies_received(db, campaign),
        requests=web_form_requests(db, campaign),
        won_by_week=figures.won_by_week,
    )


@dataclass(frozen=True)
class CustomerCampaign:
    campaign: Campaign
    target: CampaignTarget
    task: Task | None
    stage: Stage | None


def customer_campaigns(db: Any, customer_id: int) -> list[CustomerCampaign]:
    """The campaigns a customer has been in, newest first, with its task and the task's stage."""
    rows = db.execute(
        select(Campaign, CampaignTarget, Task, Stage)
        .join(CampaignTarget, CampaignTarget.campaign_id == Campaign.id)
        .outerjoin(Task, Task.id == CampaignTarget.task_id)
        .outerjoin(Stage, Stage.id == Task.stage_id)
        .where(CampaignTarget.customer_id == customer_id)
        .order_by(CampaignTarget.added_at.desc(), CampaignTarget.id.desc())
    )
    return [CustomerCampaign(*row) for row in rows]
