"""The campaign's API action: launching it, as its page's button does."""

from __future__ import annotations

from typing import Any

from core import ActionRefused, RecordAction
from plugins.campaigns.launch import LaunchRefused, launch
from plugins.campaigns.models import Campaign
from plugins.campaigns.permissions import CampaignsPermission

LAUNCH_BODY = {"type": "object", "properties": {}, "additionalProperties": False}


def launch_campaign(request: Any, campaign: Campaign, body: dict[str, Any]) -> dict[str, Any]:
    """Snapshot the target group and start making the tasks in the background."""
    try:
        targets = launch(request, campaign)
    except LaunchRefused as refused:
        raise ActionRefused(refused.message, status=409) from None
    return {"id": campaign.id, "state": campaign.state, "targets": targets}


def record_actions() -> list[RecordAction]:
    return [
        RecordAction(
            "campaign",
            "launch",
            CampaignsPermission.MANAGE,
            LAUNCH_BODY,
            launch_campaign,
            "Launch the campaign: a task for each target, made in the background",
        )
    ]
