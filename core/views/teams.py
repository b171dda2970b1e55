"""A tenant admin's teams: create, rename, delete, and who is in each team."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.admin_forms import DUPLICATE_TEAM, TeamForm, TeamMemberForm, TeamRenameForm, unbound
from core.i18n import _
from core.models import Membership, Team, TeamMember, User
from core.security import CorePermission


def _flash(request: Any, message: str) -> None:
    request.session.flash(request.localizer.translate(message))


def _team(request: Any) -> Team:
    """The URL's team; another tenant's team is invisible to the session, hence 404."""
    team = request.db.scalar(select(Team).where(Team.id == int(request.matchdict["team_id"])))
    if team is None:
        raise HTTPNotFound()
    return team


def _save_team(request: Any, form: TeamForm, team: Team) -> bool:
    """Flush in a savepoint: a concurrent team of the same name ends up as a field error."""
    try:
        with request.db.begin_nested():
            team.name = form.name.data
            if isinstance(form, TeamRenameForm):
                form.saved(team)
            request.db.add(team)
    except IntegrityError:
        form.name.errors.append(DUPLICATE_TEAM)
        return False
    return True


@view_config(
    route_name="tenant_teams",
    renderer="core:templates/teams.pt",
    permission=CorePermission.TEAMS_MANAGE,
)
def teams(request: Any) -> Any:
    form = TeamForm.from_request(request, db=request.db)
    if request.method == "POST":
        team = Team(tenant_id=request.tenant.id)
        if form.validate() and _save_team(request, form, team):
            _flash(request, _("Team ${name} created.", mapping={"name": team.name}))
            return HTTPSeeOther(request.route_url("tenant_team", team_id=team.id))
        request.response.status_int = 400
    counts = request.db.execute(
        select(Team, func.count(TeamMember.id))
        .outerjoin(TeamMember, TeamMember.team_id == Team.id)
        .group_by(Team.id)
        .order_by(Team.name)
    ).all()
    return {"form": form, "teams": counts}


def _candidates(request: Any, team: Team) -> dict[str, str]:
    """Active members of the tenant who are not in ``team``: the only ones it can take."""
    in_team = select(TeamMember.user_id).where(TeamMember.team_id == team.id)
    members = request.db.scalars(
        select(Membership)
        .join(Membership.user)
        .where(Membership.active, User.active, Membership.user_id.not_in(in_team))
        .order_by(User.name, User.email)
    )
    return {str(m.user_id): f"{m.user.display_name} <{m.user.email}>" for m in members}


def _team_page(
    request: Any,
    team: Team,
    rename_form: TeamRenameForm | None = None,
    member_form: TeamMemberForm | None = None,
) -> dict[str, Any]:
    """The team page; the form that was posted comes in with its errors, the other fresh."""
    members = request.db.execute(
        select(TeamMember, Membership.active)
        .outerjoin(Membership, Membership.user_id == TeamMember.user_id)
        .join(TeamMember.user)
        .where(TeamMember.team_id == team.id)
        .order_by(User.name, User.email)
    ).all()
    return {
        "team": team,
        "members": members,
        "rename_form": rename_form or unbound(TeamRenameForm, request, obj=team, db=request.db),
        "member_form": member_form
        or unbound(TeamMemberForm, request, candidates=_candidates(request, team)),
    }


@view_config(
    route_name="tenant_team",
    renderer="core:templates/team.pt",
    permission=CorePermission.TEAMS_MANAGE,
)
def team(request: Any) -> Any:
    """The team page; a POST renames the team."""
    team = _team(request)
    if request.method != "POST":
        return _team_page(request, team)
    form = TeamRenameForm.from_request(request, db=request.db, team=team)
    if not form.validate():
        request.response.status_int = 400
    elif not form.stale(request, team):
        if _save_team(request, form, team):
            _flash(request, _("Team renamed to ${name}.", mapping={"name": team.name}))
            return HTTPSeeOther(request.route_url("tenant_team", team_id=team.id))
        request.response.status_int = 400
    return _team_page(request, team, rename_form=form)


@view_config(
    route_name="tenant_team_delete",
    renderer="core:templates/team_delete.pt",
    permission=CorePermission.TEAMS_MANAGE,
)
def team_delete(request: Any) -> Any:
    """GET asks for confirmation; POST deletes the team (its people stay users)."""
    team = _team(request)
    if request.method == "POST":
        request.db.delete(team)
        _flash(request, _("Team ${name} deleted.", mapping={"name": team.name}))
        return HTTPSeeOther(request.route_url("tenant_teams"))
    return {"team": team, "member_count": len(team.members)}


@view_config(
    route_name="tenant_team_members",
    request_method="POST",
    renderer="core:templates/team.pt",
    permission=CorePermission.TEAMS_MANAGE,
)
def team_member_add(request: Any) -> Any:
    team = _team(request)
    candidates = _candidates(request, team)
    form = TeamMemberForm.from_request(request, candidates=candidates)
    if form.validate():
        user = request.db.get(User, int(form.user_id.data))
        # A concurrent request may have added the same person since the candidates
        # were read; then the wanted state is already there.
        with suppress(IntegrityError), request.db.begin_nested():
            request.db.add(TeamMember(tenant_id=request.tenant.id, team_id=team.id, user=user))
        _flash(request, _("${name} added to the team.", mapping={"name": user.display_name}))
        return HTTPSeeOther(request.route_url("tenant_team", team_id=team.id))
    request.response.status_int = 400
    return _team_page(request, team, member_form=form)


@view_config(
    route_name="tenant_team_member_remove",
    request_method="POST",
    permission=CorePermission.TEAMS_MANAGE,
)
def team_member_remove(request: Any) -> Any:
    team = _team(request)
    member = request.db.scalar(
        select(TeamMember).where(
            TeamMember.team_id == team.id,
            TeamMember.user_id == int(request.matchdict["user_id"]),
        )
    )
    if member is None:
        raise HTTPNotFound()
    request.db.delete(member)
    _flash(
        request,
        _("${name} removed from the team.", mapping={"name": member.user.display_name}),
    )
    return HTTPSeeOther(request.route_url("tenant_team", team_id=team.id))
