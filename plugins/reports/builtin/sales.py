"""The sales report: won count and value, lost count, win rate and days to win, by group.

Tasks count in the period they were closed (``Task.closed_at``), won or lost
by the kind of the stage they are in. Grouped in the database by the chosen
dimension; lost reasons are a dimension of their own. By period, person or
team the figures are summed from ``SalesDay`` (a row per local day, stage,
person and team, kept exact on every task write), else from the tasks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from plugins.reports import _
from plugins.reports.builtin.common import (
    drill_link,
    group_labels,
    group_value,
    period_keys,
    task_scope,
)
from plugins.reports.models import SalesDay
from plugins.reports.periods import bounds
from plugins.reports.permissions import ReportsPermission
from plugins.reports.sql import by_label, date_bucket, days_between, dialect_of, moment_bucket
from plugins.workflow.models import Stage, StageKind, Task

KEY = "reports.sales"
GROUP = _("Sales")
DIMENSIONS = [
    ("period", _("Period")),
    ("user", _("Salesperson")),
    ("team", _("Team")),
    ("customer", _("Customer")),
    ("source", _("Source")),
    ("lost_reason", _("Lost reason")),
]
CLOSED = (StageKind.WON, StageKind.LOST)
#: Groupings the per-day summary answers (with any filter but the customer).
SUMMARY_DIMENSIONS = ("period", "user", "team")


def group_expression(dimension: str, params: dict[str, Any], dialect: str) -> Any:
    if dimension == "period":
        granularity, start, end = params["granularity"], params["start"], params["end"]
        return moment_bucket(Task.closed_at, granularity, start, end, dialect)
    return {
        "user": Task.responsible_user_id,
        "team": Task.team_id,
        "customer": Task.customer_id,
        "source": Task.source,
        "lost_reason": Task.lost_reason,
    }[dimension]


def _conditions(params: dict[str, Any]) -> list[Any]:
    since, until = bounds(params["start"], params["end"])
    return [Task.closed_at >= since, Task.closed_at < until, *task_scope(params)]


def _from_tasks(params: dict[str, Any], dialect: str) -> Any:
    """The figures by group, summed over the closed tasks themselves."""
    group = group_expression(params["dimension"], params, dialect).label("g")
    won = Stage.kind == StageKind.WON
    return (
        select(
            group,
            func.sum(case((won, 1), else_=0)).label("won"),
            func.sum(case((won, Task.expected_value), else_=0)).label("won_value"),
            func.sum(case((Stage.kind == StageKind.LOST, 1), else_=0)).label("lost"),
            func.avg(case((won, days_between(Task.closed_at, Task.created_at, dialect)))).label(
                "days"
            ),
        )
        .select_from(Task)
        .join(Stage, Stage.id == Task.stage_id)
        .where(Stage.kind.in_(CLOSED), *_conditions(params))
        .group_by(by_label(group))
    )


def _from_summary(params: dict[str, Any], dialect: str) -> Any:
    """The same figures summed over ``SalesDay``: a row per day, person and team, not per task."""
    dimension = params["dimension"]
    if dimension == "period":
        group = date_bucket(SalesDay.day, params["granularity"], dialect).label("g")
    else:
        column = SalesDay.user_id if dimension == "user" else SalesDay.team_id
        group = func.nullif(column, 0).label("g")
    won = Stage.kind == StageKind.WON
    conditions = [SalesDay.day >= params["start"], SalesDay.day <= params["end"]]
    visible = params.get("visible_user_ids")
    if visible is not None:
        conditions.append(SalesDay.user_id.in_(sorted(visible)))
    if params.get("user_id"):
        conditions.append(SalesDay.user_id == params["user_id"])
    if params.get("team_id"):
        conditions.append(SalesDay.team_id == params["team_id"])
    won_count = func.sum(case((won, SalesDay.tasks), else_=0))
    return (
        select(
            group,
            won_count.label("won"),
            func.sum(case((won, SalesDay.value), else_=0)).label("won_value"),
            func.sum(case((Stage.kind == StageKind.LOST, SalesDay.tasks), else_=0)).label("lost"),
            (func.sum(case((won, SalesDay.days), else_=0)) / func.nullif(won_count, 0)).label(
                "days"
            ),
        )
        .select_from(SalesDay)
        .join(Stage, Stage.id == SalesDay.stage_id)
        .where(Stage.kind.in_(CLOSED), *conditions)
        .group_by(by_label(group))
        # A row whose tasks all reopened or moved away is kept, at zero: no group of its own.
        .having(func.sum(SalesDay.tasks) > 0)
    )


def won_totals(db: Any, params: dict[str, Any]) -> tuple[int, Decimal]:
    """``(tasks won, their value)`` in the period of ``params``, from the summary alone."""
    rows = db.execute(_from_summary({**params, "dimension": "period"}, dialect_of(db)))
    won, value = 0, Decimal(0)
    for row in rows:
        won += int(row.won or 0)
        value += Decimal(row.won_value or 0)
    return won, value


def run(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    dialect = dialect_of(request.db)
    dimension = params["dimension"]
    summed = dimension in SUMMARY_DIMENSIONS and not params.get("customer_id")
    query = _from_summary(params, dialect) if summed else _from_tasks(params, dialect)
    found = {row.g: row for row in request.db.execute(query)}
    keys = period_keys(params) if dimension == "period" else list(found)
    labels = group_labels(request, dimension, keys, params)
    rows = []
    for key in keys:
        row = found.get(key)
        won_count, lost = (int(row.won or 0), int(row.lost or 0)) if row else (0, 0)
        rows.append(
            {
                "_group": key,
                "label": labels.get(key, str(key)),
                "won": won_count,
                "won_value": (row.won_value if row else None) or 0,
                "lost": lost,
                "win_rate": 100.0 * won_count / (won_count + lost) if won_count + lost else None,
                "days_to_win": round(row.days) if row and row.days is not None else None,
            }
        )
    if dimension != "period":
        rows.sort(key=lambda r: (-r["won_value"], -r["won"], -r["lost"], r["label"]))
    label = dict(DIMENSIONS)[dimension]
    return {
        "columns": [
            {"key": "label", "label": label, "kind": "text"},
            {"key": "won", "label": _("Won"), "kind": "int"},
            {"key": "won_value", "label": _("Won value"), "kind": "money"},
            {"key": "lost", "label": _("Lost"), "kind": "int"},
            {"key": "win_rate", "label": _("Win rate"), "kind": "percent"},
            {"key": "days_to_win", "label": _("Average days to win"), "kind": "int"},
        ],
        "rows": rows,
        "chart": {"type": "bars", "label": "label", "value": "won_value"},
        "drill": drill_link(request, KEY, params),
    }


def records(request: Any, params: dict[str, Any], group: str, measure: str) -> Any:
    """The tasks behind a number of this report (a select of ``Task``)."""
    dialect = dialect_of(request.db)
    kind = StageKind.LOST if measure == "lost" else StageKind.WON
    expression = group_expression(params["dimension"], params, dialect)
    key = group_value(group)
    if params["dimension"] in ("user", "team", "customer") and key is not None:
        key = int(key) if key.isdigit() else -1
    matches = expression.is_(None) if key is None else expression == key
    return (
        select(Task)
        .join(Stage, Stage.id == Task.stage_id)
        .where(Stage.kind == kind, matches, *_conditions(params))
        .order_by(Task.closed_at.desc(), Task.id.desc())
    )


def declaration() -> dict[str, Any]:
    return {
        "key": KEY,
        "title": _("Sales"),
        "group": GROUP,
        "permission": ReportsPermission.VIEW,
        "filters": ("period", "user", "team", "customer"),
        "dimensions": DIMENSIONS,
        "run": run,
    }
