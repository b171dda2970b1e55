"""The dashboard's sales panels: a salesperson's own figures, and the team's for a manager.

Each panel shows its figures as numbers and a table, and a chart drawn by Chart.js
(``static/dashboard.js`` reads the chart's data from its canvas: no inline script).
The manager's panel needs ``workflow:team_figures:view`` (tenant admins).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core import Panel
from plugins.workflow import _, sales_figures
from plugins.workflow.board import local_today
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.routes import CHARTJS

MY_TEMPLATE = "plugins.workflow:templates/panel_dashboard_my_sales.pt"
TEAM_TEMPLATE = "plugins.workflow:templates/panel_dashboard_team_sales.pt"
#: The number formats of the charts' axes and tooltips, by UI language.
INTL_LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-FI"}


def sales_figure_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "dashboard" or request.tenant is None:
        return []
    if not request.has_permission(WorkflowPermission.TASK_VIEW):
        return []
    today = local_today()
    panels = [_my_panel(request, today)]
    if request.has_permission(WorkflowPermission.TEAM_FIGURES_VIEW):
        panels.append(_team_panel(request, today))
    return panels


def _my_panel(request: Any, today: date) -> Panel:
    db, locale = request.db, request.locale_name
    stages = sales_figures.pipeline(db, today, locale, responsible_user_id=request.user.id)
    due_today, overdue = sales_figures.my_activities(db, request.user.id, today)
    return Panel(
        title=_("My sales"),
        template=MY_TEMPLATE,
        data={
            "stages": stages,
            "pipeline_value": sum((s.value for s in stages), Decimal(0)),
            "open_tasks": sum(s.count for s in stages),
            "overdue_tasks": sum(s.overdue for s in stages),
            "activities_today": due_today,
            "activities_overdue": overdue,
            "chart": _chart(
                request,
                [s.label for s in stages],
                [(_("Expected value"), [s.value for s in stages])],
                money=True,
            ),
            **_scripts(request),
        },
        order=5,
        key="workflow-my-sales",
    )


def _team_panel(request: Any, today: date) -> Panel:
    db, locale = request.db, request.locale_name
    stages = sales_figures.pipeline(db, today, locale)
    won_count, won_value = sales_figures.won_since(
        db, sales_figures.local_midnight(today.replace(day=1))
    )
    monday = today - timedelta(days=today.weekday())
    people = sales_figures.activities_per_person(db, monday)
    return Panel(
        title=_("Team sales"),
        template=TEAM_TEMPLATE,
        data={
            "stages": stages,
            "pipeline_value": sum((s.value for s in stages), Decimal(0)),
            "won_count": won_count,
            "won_value": won_value,
            "people": people,
            "monday": monday,
            "stage_chart": _chart(
                request,
                [s.label for s in stages],
                [(_("Expected value"), [s.value for s in stages])],
                money=True,
            ),
            "people_chart": _chart(
                request,
                [p.name for p in people],
                [
                    (_("Done"), [p.done for p in people]),
                    (_("Planned"), [p.planned for p in people]),
                ],
                stacked=True,
            ),
        },
        order=20,
        key="workflow-team-sales",
    )


def _chart(
    request: Any,
    labels: list[str],
    series: list[tuple[Any, list[Any]]],
    money: bool = False,
    stacked: bool = False,
) -> str:
    """A chart's data as the JSON its canvas carries for ``static/dashboard.js``."""
    translate = request.localizer.translate
    return json.dumps(
        {
            "labels": labels,
            "datasets": [
                {"label": translate(name), "data": [float(v) for v in values]}
                for name, values in series
            ],
            "money": money,
            "stacked": stacked,
            "locale": INTL_LOCALES.get(request.locale_name, "fi-FI"),
        }
    )


def _scripts(request: Any) -> dict[str, str]:
    """The chart scripts' URLs; the panel of one's own figures, always shown, loads them."""
    return {
        "chartjs_url": request.static_url(str(CHARTJS / "chart.umd.min.js")),
        "dashboard_js_url": request.static_url("plugins.workflow:static/dashboard.js"),
    }
