"""Who handles a new contact request: routing rules, then the form's team, then the inbox.

Rules are tried by ``position`` (then id); the first active rule whose every
condition holds wins. A rule names a team and optionally a person; without a
person the team's active members take turns (round robin) or the one with the
fewest open requests gets it (least busy). With no rule, a request from a web
form goes to the form's team; anything else stays in the tenant's default
inbox: no team, no person, visible to everyone who sees requests.

Turns are read from the requests themselves (who in the team got one last), so
there is no counter to keep in step between web processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Membership, Team, TeamMember, User
from plugins.contacts.models import ContactRequest, RequestState, RoutingRule, WebForm

ROUND_ROBIN = "round_robin"
LEAST_BUSY = "least_busy"
STRATEGIES = (ROUND_ROBIN, LEAST_BUSY)
OPEN_STATES = (RequestState.NEW, RequestState.ASSIGNED, RequestState.IN_PROGRESS)


@dataclass(frozen=True)
class Route:
    """Where a request goes; both None is the default inbox."""

    team: Team | None = None
    user: User | None = None
    rule: RoutingRule | None = None


def rule_matches(rule: RoutingRule, contact_request: ContactRequest) -> bool:
    """Every condition the rule sets holds; a condition left empty holds for all."""
    if rule.source and rule.source != contact_request.source:
        return False
    if rule.form_id and rule.form_id != contact_request.form_id:
        return False
    if rule.language and rule.language != contact_request.language:
        return False
    if rule.keywords:
        text = f"{contact_request.subject}\n{contact_request.message}".casefold()
        if not any(word.casefold() in text for word in rule.keywords):
            return False
    return True


def route(db: Session, contact_request: ContactRequest, form: WebForm | None = None) -> Route:
    """Decide where ``contact_request`` goes (nothing is changed here)."""
    rules = db.scalars(
        select(RoutingRule).where(RoutingRule.active).order_by(RoutingRule.position, RoutingRule.id)
    )
    for rule in rules:
        if not rule_matches(rule, contact_request):
            continue
        team = db.get(Team, rule.team_id)
        if team is None:
            continue
        user = _active_member(db, rule.user_id) if rule.user_id else None
        return Route(team, user or pick_member(db, team, rule.strategy), rule)
    if form is not None and form.team_id:
        team = db.get(Team, form.team_id)
        if team is not None:
            return Route(team, pick_member(db, team, ROUND_ROBIN))
    return Route()


def active_members(db: Session, team: Team) -> Sequence[User]:
    """The team's members who can still sign in to this tenant, by id."""
    return db.scalars(
        select(User)
        .join(TeamMember, TeamMember.user_id == User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(TeamMember.team_id == team.id, Membership.active, User.active)
        .order_by(User.id)
    ).all()


def pick_member(db: Session, team: Team, strategy: str) -> User | None:
    """The member whose turn it is (round robin) or who has least open work (least busy)."""
    members = active_members(db, team)
    if not members:
        return None
    ids = [m.id for m in members]
    last_given = dict(
        db.execute(
            select(ContactRequest.assigned_user_id, func.max(ContactRequest.id))
            .where(ContactRequest.team_id == team.id, ContactRequest.assigned_user_id.in_(ids))
            .group_by(ContactRequest.assigned_user_id)
        ).all()
    )
    # Whoever got one longest ago (or never) is next: that is round robin.
    turn = {m.id: (last_given.get(m.id, 0), m.id) for m in members}
    if strategy == LEAST_BUSY:
        open_count = dict(
            db.execute(
                select(ContactRequest.assigned_user_id, func.count())
                .where(
                    ContactRequest.assigned_user_id.in_(ids),
                    ContactRequest.state.in_(OPEN_STATES),
                )
                .group_by(ContactRequest.assigned_user_id)
            ).all()
        )
        return min(members, key=lambda m: (open_count.get(m.id, 0), turn[m.id]))
    return min(members, key=lambda m: turn[m.id])


def _active_member(db: Session, user_id: int) -> User | None:
    return db.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.active, User.active)
    )
