"""The tenant's members and teams, as the choices and names of pages (kept per process).

List pages offer them as filters and show them in rows; every page used to read
them once or twice. They change rarely, and every change gives the cache a
new version (``core.cache``): a membership or a user the site's, a team the
tenant's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core import cache
from core.models import Membership, Team, User


@dataclass(frozen=True)
class Member:
    """An active member of the tenant; ``active`` is false for a deactivated account."""

    id: int
    name: str
    email: str
    active: bool

    @property
    def label(self) -> str:
        return self.name or self.email


def members(request: Any) -> list[Member]:
    """The tenant's active memberships' users, by name and e-mail."""
    db = request.db
    return cache.cached(
        request,
        "members",
        lambda: [
            Member(*row)
            for row in db.execute(
                select(User.id, User.name, User.email, User.active)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.active)
                .order_by(User.name, User.email)
            )
        ],
    )


def member_choices(request: Any, active_users_only: bool = False) -> list[tuple[int, str]]:
    """``(user id, name or e-mail)`` of the members, for a select."""
    return [(m.id, m.label) for m in members(request) if m.active or not active_users_only]


def team_choices(request: Any) -> list[tuple[int, str]]:
    """``(team id, name)`` of the tenant's teams, by name."""
    db = request.db
    return cache.cached(
        request,
        "teams",
        lambda: [
            (tid, name) for tid, name in db.execute(select(Team.id, Team.name).order_by(Team.name))
        ],
    )
