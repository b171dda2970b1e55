"""The dashboard's "My numbers" panel: the signed-in user's own figures this month.

The totals of the sales and activities reports for the month, read from their
summaries alone: the reports' rows, labels and columns are not needed here.
"""

from __future__ import annotations

from datetime import UTC, datetime
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
    won, won_value = sales.won_totals(request.db, params)
    done, overdue = activities.totals(request.db, params, datetime.now(UTC))
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
                "won": won,
                "won_value": won_value,
                "activities_done": done,
                "activities_overdue": overdue,
                "query": query,
            },
            order=20,
            key="reports-my-numbers",
        )
    ]
