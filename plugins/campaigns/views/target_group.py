"""The target group editor: filters, the count and a sample of who matches, and saving.

"Preview" sends the form with GET, so the page shows the count and sample of
what is typed without saving it; with scripts on, ``target_preview.js`` asks for
that preview as the filters change. "Save" posts it. Both keep every value the
user gave, and a filter that cannot be used gets its message by its input.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import label_text
from plugins.campaigns import _, targets
from plugins.campaigns.models import Campaign
from plugins.campaigns.permissions import CampaignsPermission
from plugins.campaigns.views.campaigns import get_campaign
from plugins.workflow.models import ActivityType
from plugins.workflow.task_form import member_choices, team_choices

TEMPLATE = "plugins.campaigns:templates/targets.pt"
SAVED = _("Target group saved.")
CLOSED = _("A closed campaign cannot be changed.")
LANGUAGE_LABELS = {"fi": _("Finnish"), "sv": _("Swedish"), "en": _("English")}
KIND_LABELS = {"company": _("Company"), "person": _("Private person")}


def _page(request: Any, campaign: Campaign, params: dict[str, str]) -> dict[str, Any]:
    db = request.db
    group = targets.parse(
        request, params, campaign.tenant_id, consent=bool(campaign.message_template)
    )
    locale = request.locale_name
    others = db.execute(
        select(Campaign.id, Campaign.name).where(Campaign.id != campaign.id).order_by(Campaign.name)
    ).all()
    types = db.scalars(
        select(ActivityType)
        .where(ActivityType.retired_at.is_(None))
        .order_by(ActivityType.position)
    )
    return {
        "campaign": campaign,
        "params": params,
        "group": group,
        "count": targets.count(db, group) if group.valid else None,
        "sample": targets.sample(db, group) if group.valid else [],
        "members": member_choices(db),
        "teams": team_choices(db),
        "campaigns": others,
        "activity_types": [(t.id, label_text(t.name, locale)) for t in types],
        "languages": LANGUAGE_LABELS,
        "kinds": KIND_LABELS,
        "fields": targets.CUSTOMER_FIELDS,
        "operations": targets.FIELD_OPS,
        "can_manage": request.has_permission(CampaignsPermission.MANAGE) and campaign.is_open,
    }


@view_config(
    route_name="campaign_targets",
    request_method="GET",
    renderer=TEMPLATE,
    permission=CampaignsPermission.VIEW,
)
def target_group(request: Any) -> dict[str, Any]:
    campaign = get_campaign(request)
    if "preview" in request.GET:
        params = targets.cleaned(request.GET)
    else:
        params = dict(campaign.filters or {})
    return _page(request, campaign, params)


@view_config(
    route_name="campaign_targets",
    request_method="POST",
    renderer=TEMPLATE,
    permission=CampaignsPermission.MANAGE,
)
def save_target_group(request: Any) -> Any:
    campaign = get_campaign(request)
    if not campaign.is_open:
        request.session.flash(request.localizer.translate(CLOSED))
        return HTTPSeeOther(request.route_url("campaign", id=campaign.id))
    params = targets.cleaned(request.POST)
    page = _page(request, campaign, params)
    if not page["group"].valid:
        request.response.status_int = 400
        return page
    campaign.filters = params
    request.session.flash(request.localizer.translate(SAVED))
    return HTTPSeeOther(request.route_url("campaign", id=campaign.id))
