"""Whose numbers a user may see: everyone's, or their own and their teams' members'."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import TeamMember
from plugins.reports.permissions import ReportsPermission


def visible_user_ids(request: Any) -> set[int] | None:
    """``None`` for a user allowed everyone's numbers, else the ids they may see."""
    if request.has_permission(ReportsPermission.VIEW_ALL):
        return None
    return visible_to(request.db, request.user.id)


def visible_to(db: Any, user_id: int) -> set[int]:
    """``user_id`` and the members of every team of theirs (in the session's tenant)."""
    mine = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    mates = db.scalars(select(TeamMember.user_id).where(TeamMember.team_id.in_(mine)))
    return {user_id, *mates}
