"""Launching, pausing, resuming and closing a campaign, adding targets, and its progress."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from plugins.campaigns import _, launch
from plugins.campaigns.permissions import CampaignsPermission
from plugins.campaigns.views.campaigns import get_campaign

LAUNCHED = _("The campaign was launched: tasks are being created for ${count} targets.")
PAUSED = _("Creating tasks was paused.")
RESUMED = _("Creating tasks goes on.")
CLOSED = _("The campaign was closed.")
ADDED = _("${added} new targets were added; ${already} already in the campaign were skipped.")


def _act(request: Any, do: Any, done: Any) -> HTTPSeeOther:
    campaign = get_campaign(request)
    translate = request.localizer.translate
    try:
        with request.db.begin_nested():
            mapping = do(campaign) or {}
    except launch.LaunchRefused as refused:
        request.session.flash(translate(refused.message))
    else:
        request.session.flash(translate(_(done, mapping=mapping)))
    return HTTPSeeOther(request.route_url("campaign", id=campaign.id))


@view_config(
    route_name="campaign_launch", request_method="POST", permission=CampaignsPermission.MANAGE
)
def campaign_launch(request: Any) -> HTTPSeeOther:
    return _act(request, lambda c: {"count": launch.launch(request, c)}, LAUNCHED)


@view_config(
    route_name="campaign_pause", request_method="POST", permission=CampaignsPermission.MANAGE
)
def campaign_pause(request: Any) -> HTTPSeeOther:
    return _act(request, lambda c: launch.pause(request.db, c), PAUSED)


@view_config(
    route_name="campaign_resume", request_method="POST", permission=CampaignsPermission.MANAGE
)
def campaign_resume(request: Any) -> HTTPSeeOther:
    return _act(request, lambda c: launch.resume(request.db, c), RESUMED)


@view_config(
    route_name="campaign_close", request_method="POST", permission=CampaignsPermission.MANAGE
)
def campaign_close(request: Any) -> HTTPSeeOther:
    return _act(request, lambda c: launch.close(request.db, c), CLOSED)


@view_config(
    route_name="campaign_add_targets", request_method="POST", permission=CampaignsPermission.MANAGE
)
def campaign_add_targets(request: Any) -> HTTPSeeOther:
    def add(campaign: Any) -> dict[str, int]:
        added, already = launch.add_targets(request, campaign)
        return {"added": added, "already": already}

    return _act(request, add, ADDED)


@view_config(
    route_name="campaign_progress",
    request_method="GET",
    renderer="json",
    permission=CampaignsPermission.VIEW,
)
def campaign_progress(request: Any) -> dict[str, Any]:
    """What the progress bar polls: one row read, whatever the campaign's size."""
    campaign = get_campaign(request)
    return {
        "state": campaign.state,
        "done": campaign.targets_done,
        "total": campaign.targets_total,
        "messages_sent": campaign.messages_sent,
        "messages_refused": campaign.messages_refused,
    }
