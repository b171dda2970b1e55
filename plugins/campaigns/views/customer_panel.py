"""The customer page's "Campaigns" panel: the campaigns the customer was in, with its task."""

from __future__ import annotations

from typing import Any

from core import Panel
from plugins.campaigns import _
from plugins.campaigns.permissions import CampaignsPermission
from plugins.campaigns.results import customer_campaigns
from plugins.contacts.models import Customer


def customer_campaign_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "record_tabs" or not isinstance(context, Customer):
        return []
    if not request.has_permission(CampaignsPermission.VIEW):
        return []
    return [
        Panel(
            title=_("Campaigns"),
            template="plugins.campaigns:templates/panel_customer.pt",
            data={"found": customer_campaigns(request.db, context.id)},
            order=30,
            key="campaigns-customer",
        )
    ]
