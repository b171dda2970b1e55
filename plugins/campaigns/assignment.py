"""Who gets each new task of a campaign: the customer's responsible person, a team in
turns (round-robin) or by load (least busy), or one user.

A picker is made once per batch and asked once per target, so a batch of a
thousand targets costs a query or two, not a thousand.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select

from core.models import Membership, TeamMember, User
from plugins.campaigns import _
from plugins.campaigns.models import Assignment, Campaign
from plugins.workflow.models import Task

TEAM_NEEDED = _("Choose the team whose members get the tasks.")
TEAM_EMPTY = _("The team has no active members to give tasks to.")
USER_NEEDED = _("Choose the user who gets the tasks.")
NOT_IN_TEAM = _("This user is not a member of the campaign's team.")
NO_SUCH_MEMBER = _("Choose an active member of your organisation.")

#: ``pick(customer_responsible_user_id) -> user id or None``.
Picker = Callable[[int | None], int | None]


def active_members(db: Any, tenant_id: int) -> set[int]:
    rows = db.scalars(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant_id, Membership.active, User.active)
    )
    return set(rows)


def team_members(db: Any, tenant_id: int, team_id: int) -> list[int]:
    """The team's active members, by user id (the round-robin order)."""
    active = active_members(db, tenant_id)
    rows = db.scalars(
        select(TeamMember.user_id)
        .where(TeamMember.tenant_id == tenant_id, TeamMember.team_id == team_id)
        .order_by(TeamMember.user_id)
    )
    return [user_id for user_id in rows if user_id in active]


def assignment_errors(db: Any, tenant_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """``{field: message}`` for an assignment that cannot work (checked on save and launch)."""
    how, team_id, user_id = values["assignment"], values.get("team_id"), values.get("assignee")
    if how in (Assignment.ROUND_ROBIN, Assignment.LEAST_BUSY):
        if not team_id:
            return {"team_id": TEAM_NEEDED}
        if not team_members(db, tenant_id, team_id):
            return {"team_id": TEAM_EMPTY}
    if how == Assignment.USER:
        if not user_id:
            return {"assignee_user_id": USER_NEEDED}
        if user_id not in active_members(db, tenant_id):
            return {"assignee_user_id": NO_SUCH_MEMBER}
        if team_id and user_id not in team_members(db, tenant_id, team_id):
            return {"assignee_user_id": NOT_IN_TEAM}
    return {}


def picker(db: Any, campaign: Campaign, position: int) -> Picker:
    """The picker for one batch of ``campaign`` whose first target is at ``position``.

    Round-robin turns follow from the targets' places in the campaign, so
    batches made at the same time hand out the turns a single run would.
    """
    tenant_id = campaign.tenant_id
    if campaign.assignment == Assignment.USER:
        return lambda _responsible: campaign.assignee_user_id
    if campaign.assignment == Assignment.ROUND_ROBIN:
        members = team_members(db, tenant_id, campaign.team_id or 0)
        return _round_robin(members, position, campaign.owner_user_id)
    if campaign.assignment == Assignment.LEAST_BUSY:
        return _least_busy(db, tenant_id, team_members(db, tenant_id, campaign.team_id or 0))
    active = active_members(db, tenant_id)
    fallback = campaign.owner_user_id

    def responsible(user_id: int | None) -> int | None:
        return user_id if user_id in active else fallback

    return responsible


def _round_robin(members: Sequence[int], position: int, fallback: int | None) -> Picker:
    turns = itertools.count(position)

    def pick(_responsible: int | None) -> int | None:
        if not members:
            return fallback
        return members[next(turns) % len(members)]

    return pick


def _least_busy(db: Any, tenant_id: int, members: Sequence[int]) -> Picker:
    """Each task to whoever has the fewest open tasks now, counting the ones just given."""
    loads = dict(
        db.execute(
            select(Task.responsible_user_id, func.count())
            .where(
                Task.tenant_id == tenant_id,
                Task.closed_at.is_(None),
                Task.responsible_user_id.in_(members),
            )
            .group_by(Task.responsible_user_id)
        ).all()
    )
    heap = [(loads.get(user_id, 0), user_id) for user_id in members]
    heapq.heapify(heap)

    def pick(_responsible: int | None) -> int | None:
        if not heap:
            return None
        load, user_id = heapq.heappop(heap)
        heapq.heappush(heap, (load + 1, user_id))
        return user_id

    return pick
