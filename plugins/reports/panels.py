"""The dashboard's "My numbers" panel: the signed-in user's own figures this month."""

from __future__ import annotations

from typing import Any

from core import Panel
from plugins.reports import _
from plugins.reports.builtin import activities, sales
from plugins.reports.periods import local_today
from plugins.reports.permissions import ReportsPermission


def my_numbers_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "dashboard" or request.tenant is None:
        return []
    if not request.has_permission(ReportsPermission.VIEW):
        return []
    today = local_today()
    params = {
        "start": today.replace(day=1),
        "end": today,
        "granularity": "month",
        "user_id": None,
        "team_id": None,
        "customer_id": None,
        "visible_user_ids": {request.user.id},
    }
    won = sales.run(request, {**params, "dimension": "period"})["rows"]
    done = activities.run(request, {**params, "dimension": "period"})["rows"]
    query = {
        "start": params["start"].isoformat(),
        "end": today.isoformat(),
        "user": request.user.id,
    }
    return [
        Panel(
            title=_("My numbers this month"),
            template="plugins.reports:templates/panel_my_numbers.pt",
            data={
                "won": sum(r["won"] for r in won),
                "won_value": sum(r["won_value"] for r in won),
                "activities_done": sum(r["done"] for r in done),
                "activities_overdue": sum(r["overdue"] for r in done),
                "query": query,
            },
            order=20,
            key="reports-my-numbers",
        )
    ]
