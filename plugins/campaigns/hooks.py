"""The campaigns plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import EntityType, EventKind, JobType, Link, Panel, Permission, RecordAction, hookimpl
from plugins.campaigns import _, api_actions, batches, report_definitions
from plugins.campaigns.models import Campaign
from plugins.campaigns.permissions import CampaignsPermission
from plugins.campaigns.tasks import JOINED
from plugins.campaigns.views.campaigns import campaign_links
from plugins.campaigns.views.customer_panel import customer_campaign_panels


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.campaigns.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return CampaignsPermission.declarations()


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [
        EventKind(
            JOINED,
            _("Joined a campaign"),
            "📣",
        )
    ]


@hookimpl
def myynti_jobs() -> list[JobType]:
    return batches.job_types()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    return campaign_links(request, slot)


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return customer_campaign_panels(request, slot, context)


@hookimpl(optionalhook=True)
def myynti_reports(request: Any) -> list[dict[str, Any]]:
    return report_definitions.report_definitions(request)


@hookimpl
def myynti_record_actions() -> list[RecordAction]:
    return api_actions.record_actions()


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="campaign",
            model=Campaign,
            label=_("Campaign"),
            plural=_("Campaigns"),
            route_name="campaign",
            permission=CampaignsPermission.VIEW,
            history=False,
            custom_fields=False,
        )
    ]
