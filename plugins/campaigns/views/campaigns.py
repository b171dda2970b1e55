"""The list of campaigns, a campaign's page, and creating and editing one."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core import Link
from core.models import Team, User
from plugins.campaigns import _, launch
from plugins.campaigns.forms import (
    ASSIGNMENT_LABELS,
    apply,
    bind_campaign_form,
    form_values,
    validate,
)
from plugins.campaigns.models import Campaign, CampaignState
from plugins.campaigns.permissions import CampaignsPermission
from plugins.campaigns.results import results
from plugins.workflow.models import Stage, Workflow

FORM = "plugins.campaigns:templates/campaign_form.pt"
SAVED = _("Campaign saved.")
STALE = _(
    "Someone else saved this campaign while you were editing. Your changes were not saved: "
    "check the values now stored and make your change again."
)
CLOSED_EDIT = _("A closed campaign cannot be changed.")

STATE_LABELS = {
    CampaignState.DRAFT: _("Draft"),
    CampaignState.RUNNING: _("Creating tasks"),
    CampaignState.PAUSED: _("Paused"),
    CampaignState.FINISHED: _("Launched"),
    CampaignState.CLOSED: _("Closed"),
}


SHOWS_NO_RESULTS = (CampaignState.DRAFT, CampaignState.RUNNING)


def get_campaign(request: Any) -> Campaign:
    campaign = request.db.get(Campaign, int(request.matchdict["id"]))
    if campaign is None:
        raise HTTPNotFound()
    return campaign


def campaign_links(request: Any, slot: str) -> list[Link]:
    if slot == "navigation" and request.has_permission(CampaignsPermission.VIEW):
        return [
            Link(
                _("Campaigns"),
                request.route_url("campaigns"),
                40,
            )
        ]
    return []


@view_config(
    route_name="campaigns",
    renderer="plugins.campaigns:templates/campaigns.pt",
    permission=CampaignsPermission.VIEW,
)
def campaign_list(request: Any) -> dict[str, Any]:
    campaigns = request.db.scalars(
        select(Campaign).order_by(Campaign.closed_at.is_not(None), Campaign.id.desc())
    )
    return {
        "campaigns": list(campaigns),
        "states": STATE_LABELS,
        "can_manage": request.has_permission(CampaignsPermission.MANAGE),
    }


@view_config(route_name="campaign_new", renderer=FORM, permission=CampaignsPermission.MANAGE)
def campaign_new(request: Any) -> Any:
    form = bind_campaign_form(request)
    if request.method == "POST":
        if validate(request, form):
            campaign = Campaign(filters={})
            apply(campaign, form_values(form))
            request.db.add(campaign)
            request.db.flush()
            request.session.flash(request.localizer.translate(SAVED))
            return HTTPSeeOther(request.route_url("campaign_targets", id=campaign.id))
        request.response.status_int = 400
    return {"form": form, "campaign": None, "stale": False}


@view_config(route_name="campaign_edit", renderer=FORM, permission=CampaignsPermission.MANAGE)
def campaign_edit(request: Any) -> Any:
    campaign = get_campaign(request)
    if not campaign.is_open:
        request.session.flash(request.localizer.translate(CLOSED_EDIT))
        return HTTPSeeOther(request.route_url("campaign", id=campaign.id))
    form = bind_campaign_form(request, campaign)
    stale = False
    if request.method == "POST":
        if validate(request, form):
            if form.version.data != campaign.version:
                stale = True
            else:
                try:
                    with request.db.begin_nested():
                        apply(campaign, form_values(form))
                        request.db.flush()
                except StaleDataError:
                    request.db.expire_all()
                    stale = True
                else:
                    request.session.flash(request.localizer.translate(SAVED))
                    return HTTPSeeOther(request.route_url("campaign", id=campaign.id))
        if stale:
            form.version.raw_data = [str(campaign.version)]
        request.response.status_int = 409 if stale else 400
    return {"form": form, "campaign": campaign, "stale": STALE if stale else False}


@view_config(
    route_name="campaign",
    renderer="plugins.campaigns:templates/campaign.pt",
    permission=CampaignsPermission.VIEW,
)
def campaign_page(request: Any) -> dict[str, Any]:
    campaign = get_campaign(request)
    db = request.db
    problems: list[Any] = []
    if campaign.state in (CampaignState.DRAFT, CampaignState.PAUSED):
        problems = launch.launch_problems(request, campaign, launch.group_of(request, campaign))
    names = {
        "owner": _display(db.get(User, campaign.owner_user_id or 0)),
        "assignee": _display(db.get(User, campaign.assignee_user_id or 0)),
        "team": getattr(db.get(Team, campaign.team_id or 0), "name", ""),
        "workflow": getattr(db.get(Workflow, campaign.workflow_id), "name", {}),
        "stage": getattr(db.get(Stage, campaign.stage_id), "name", {}),
    }
    return {
        "campaign": campaign,
        "states": STATE_LABELS,
        "assignments": ASSIGNMENT_LABELS,
        "names": names,
        "problems": problems,
        # Not while tasks are being made: the page is what the user watches then, and
        # the results' counts over the targets would slow it and the batches down.
        "results": None if campaign.state in SHOWS_NO_RESULTS else results(db, campaign),
        "can_manage": request.has_permission(CampaignsPermission.MANAGE),
    }


def _display(user: User | None) -> str:
    return user.display_name if user is not None else ""
