"""Campaign results, contributed to the reports plugin.

Plain data through ``myynti_reports`` (``hookimpl(optionalhook=True)`` in
``hooks.py``): campaigns does not depend on reports nor import it; where
reports is not installed or not enabled the hook is never called.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from plugins.campaigns import _
from plugins.campaigns.models import Campaign, CampaignTarget
from plugins.campaigns.permissions import CampaignsPermission
from plugins.workflow.models import Stage, StageKind, Task

HELSINKI = ZoneInfo("Europe/Helsinki")
CAMPAIGN = _("Campaign")


def report_definitions(request: Any) -> list[dict[str, Any]]:
    if not request.has_permission(CampaignsPermission.VIEW):
        return []
    return [
        {
            "key": "campaigns.results",
            "title": _("Campaign results"),
            "group": _("Campaigns"),
            "permission": CampaignsPermission.VIEW,
            "filters": ("period",),
            "dimensions": [("campaign", CAMPAIGN)],
            "run": _results,
        }
    ]


def _moment(day: date) -> datetime:
    """The start of ``day`` in Finland, in UTC as the timestamps are stored (SQLite compares
    them as text: a Finnish time would be two or three hours off)."""
    return datetime.combine(day, time.min, tzinfo=HELSINKI).astimezone(UTC)


def _results(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Campaigns launched in the period: targets, tasks made, won (count and value), lost."""
    visible = params["visible_user_ids"]
    counted = Task.id == CampaignTarget.task_id
    if visible is not None:
        counted = and_(counted, Task.responsible_user_id.in_(sorted(visible)))
    won = Stage.kind == StageKind.WON
    query = (
        select(
            Campaign.id,
            Campaign.name,
            func.count(CampaignTarget.id),
            func.count(Task.id),
            func.sum(case((won, 1), else_=0)),
            func.sum(case((won, Task.expected_value), else_=0)),
            func.sum(case((Stage.kind == StageKind.LOST, 1), else_=0)),
        )
        .select_from(Campaign)
        .outerjoin(CampaignTarget, CampaignTarget.campaign_id == Campaign.id)
        .outerjoin(Task, counted)
        .outerjoin(Stage, Stage.id == Task.stage_id)
        .where(
            Campaign.launched_at >= _moment(params["start"]),
            Campaign.launched_at < _moment(params["end"] + timedelta(days=1)),
        )
        .group_by(Campaign.id, Campaign.name)
        .order_by(Campaign.name, Campaign.id)
    )
    rows = [
        {
            "id": campaign_id,
            "campaign": name,
            "targets": targets,
            "tasks": tasks,
            "won": won_count or 0,
            "won_value": won_value or 0,
            "lost": lost or 0,
            "win_rate": 100 * (won_count or 0) / ((won_count or 0) + lost)
            if lost or won_count
            else 0,
        }
        for campaign_id, name, targets, tasks, won_count, won_value, lost in request.db.execute(
            query
        )
    ]
    return {
        "columns": [
            {"key": "campaign", "label": CAMPAIGN, "kind": "text"},
            {
                "key": "targets",
                "label": _("Targets"),
                "kind": "int",
            },
            {
                "key": "tasks",
                "label": _("Tasks"),
                "kind": "int",
            },
            {"key": "won", "label": _("Won"), "kind": "int"},
            {
                "key": "won_value",
                "label": _("Won value"),
                "kind": "money",
            },
            {
                "key": "lost",
                "label": _("Lost"),
                "kind": "int",
            },
            {
                "key": "win_rate",
                "label": _("Win rate"),
                "kind": "percent",
            },
        ],
        "rows": rows,
        "chart": {"type": "bars", "label": "campaign", "value": "won_value"},
        "drill": lambda row, column: request.route_url("campaign", id=row["id"]),
    }
