"""A campaign's results, each a plain query over its targets and their tasks.

Kept apart from the pages so that a report (the reports plugin) can read the
same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

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
    """The ids of the campaign's tasks: its targets' up to the launch's mark."""
    return select(CampaignTarget.task_id).where(
        CampaignTarget.campaign_id == campaign.id,
        CampaignTarget.id <= campaign.tasks_through,
        CampaignTarget.task_id.is_not(None),
    )


def target_counts(db: Any, campaign: Campaign) -> tuple[int, int]:
    """The campaign's targets, and how many of them have their task (up to the mark)."""
    row = db.execute(
        select(
            func.count(),
            func.count().filter(CampaignTarget.id <= campaign.tasks_through),
        ).where(CampaignTarget.campaign_id == campaign.id)
    ).one()
    return row[0], row[1]


def tasks_by_stage(db: Any, campaign: Campaign) -> list[StageCount]:
    rows = db.execute(
        select(Stage, func.count(Task.id), func.coalesce(func.sum(Task.expected_value), 0))
        .join(Task, Task.stage_id == Stage.id)
        .where(Task.id.in_(_tasks(campaign)))
        .group_by(Stage)
        .order_by(Stage.position, Stage.id)
    )
    return [StageCount(stage, count, Decimal(value)) for stage, count, value in rows]


def lost_reasons(db: Any, campaign: Campaign) -> list[tuple[str, int]]:
    rows = db.execute(
        select(Task.lost_reason, func.count())
        .join(Stage, Stage.id == Task.stage_id)
        .where(Task.id.in_(_tasks(campaign)), Stage.kind == StageKind.LOST)
        .group_by(Task.lost_reason)
        .order_by(func.count().desc())
    )
    return [(reason or "", count) for reason, count in rows]


def activities_done(db: Any, campaign: Campaign) -> int:
    return (
        db.scalar(
            select(func.count(Activity.id)).where(
                Activity.task_id.in_(_tasks(campaign)), Activity.done_at.is_not(None)
            )
        )
        or 0
    )


def message_counts(db: Any, campaign: Campaign) -> dict[str, int]:
    rows = db.execute(
        select(CampaignTarget.message_state, func.count())
        .where(CampaignTarget.campaign_id == campaign.id, CampaignTarget.message_state.is_not(None))
        .group_by(CampaignTarget.message_state)
    )
    return dict(rows.all())


#: The history kind under which the tenant's messaging plugin records a received
#: message on the record it was routed to (messaging's ``MESSAGE_IN``). Read from
#: the shared history, never imported: without messaging there are none.
MESSAGE_RECEIVED = "message_in"


def replies_received(db: Any, campaign: Campaign) -> int:
    """Messages received on the campaign's tasks: replies to the campaign's contacting."""
    return (
        db.scalar(
            select(func.count(Event.id)).where(
                Event.entity == "task",
                Event.kind == MESSAGE_RECEIVED,
                Event.record_id.in_(_tasks(campaign)),
            )
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


def won_by_week(db: Any, campaign: Campaign) -> list[tuple[date, int]]:
    """Tasks of the campaign won per week (conversion over time), in the local calendar."""
    closed = db.scalars(
        select(Task.closed_at)
        .join(Stage, Stage.id == Task.stage_id)
        .where(Task.id.in_(_tasks(campaign)), Stage.kind == StageKind.WON)
    )
    weeks: dict[date, int] = {}
    for moment in closed:
        if moment is None:
            continue
        day = as_utc(moment).astimezone(LOCAL_TIME).date()
        monday = day - timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + 1
    return sorted(weeks.items())


def results(db: Any, campaign: Campaign) -> Results:
    targets, with_task = target_counts(db, campaign)
    stages = tasks_by_stage(db, campaign)
    won = [s for s in stages if s.stage.kind == StageKind.WON]
    lost = [s for s in stages if s.stage.kind == StageKind.LOST]
    messages = message_counts(db, campaign)
    return Results(
        targets=targets,
        with_task=with_task,
        stages=stages,
        won=sum(s.count for s in won),
        won_value=sum((s.value for s in won), Decimal(0)),
        lost=sum(s.count for s in lost),
        lost_reasons=lost_reasons(db, campaign),
        activities_done=activities_done(db, campaign),
        messages_sent=messages.get(MessageState.SENT, 0),
        messages_refused=messages.get(MessageState.REFUSED, 0),
        replies=replies_received(db, campaign),
        requests=web_form_requests(db, campaign),
        won_by_week=won_by_week(db, campaign),
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
