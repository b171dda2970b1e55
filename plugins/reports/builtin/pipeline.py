"""The pipeline report: open tasks by stage, expected close month, age, person or team.

Counts, expected value and value weighted by each stage's win probability.
Ageing is the time in stage: days since the task entered the stage it is in
(``Task.stage_entered_at``, set by every move), averaged per group and a
grouping of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from core import label_text
from plugins.reports import _
from plugins.reports.builtin.common import drill_link, group_labels, group_value, task_scope
from plugins.reports.periods import UTC
from plugins.reports.permissions import ReportsPermission
from plugins.reports.sql import by_label, date_bucket, days_between, dialect_of
from plugins.workflow.models import Stage, StageKind, Task

KEY = "reports.pipeline"
DIMENSIONS = [
    ("stage", {"fi": "Vaihe", "sv": "Skede", "en": "Stage"}),
    (
        "close_month",
        {"fi": "Odotettu päättymiskuukausi", "sv": "Väntad avslutsmånad", "en": "Expected close"},
    ),
    ("age", {"fi": "Aika vaiheessa", "sv": "Tid i skedet", "en": "Time in stage"}),
    ("user", {"fi": "Myyjä", "sv": "Säljare", "en": "Salesperson"}),
    ("team", {"fi": "Tiimi", "sv": "Team", "en": "Team"}),
]
#: Time-in-stage groups: (key, upper bound in days, label).
AGES = (
    ("a30", 31, {"fi": "0–30 päivää", "sv": "0–30 dagar", "en": "0–30 days"}),
    ("a90", 91, {"fi": "31–90 päivää", "sv": "31–90 dagar", "en": "31–90 days"}),
    ("a180", 181, {"fi": "91–180 päivää", "sv": "91–180 dagar", "en": "91–180 days"}),
    ("older", None, {"fi": "Yli 180 päivää", "sv": "Över 180 dagar", "en": "Over 180 days"}),
)


def _age(dialect: str, now: datetime) -> Any:
    return days_between(now, Task.stage_entered_at, dialect)


def group_expression(dimension: str, dialect: str, now: datetime) -> Any:
    if dimension == "close_month":
        return date_bucket(Task.close_date, "month", dialect)
    if dimension == "age":
        age = _age(dialect, now)
        return case(*((age < limit, key) for key, limit, _l in AGES if limit), else_="older")
    return {
        "stage": Task.stage_id,
        "user": Task.responsible_user_id,
        "team": Task.team_id,
    }[dimension]


def _conditions(params: dict[str, Any]) -> list[Any]:
    return [Stage.kind == StageKind.OPEN, Task.closed_at.is_(None), *task_scope(params)]


def run(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    dialect = dialect_of(request.db)
    now = datetime.now(UTC)
    dimension = params["dimension"]
    group = group_expression(dimension, dialect, now).label("g")
    value = func.coalesce(Task.expected_value, 0)
    query = (
        select(
            group,
            func.count().label("count"),
            func.sum(value).label("value"),
            func.sum(value * Stage.probability).label("weighted"),
            func.avg(_age(dialect, now)).label("age"),
        )
        .select_from(Task)
        .join(Stage, Stage.id == Task.stage_id)
        .where(*_conditions(params))
        .group_by(by_label(group))
    )
    found = {row.g: row for row in request.db.execute(query)}
    if dimension == "stage":
        order = request.db.execute(
            select(Stage.id)
            .where(Stage.id.in_(list(found) or [0]))
            .order_by(Stage.workflow_id, Stage.position, Stage.id)
        )
        keys = [row[0] for row in order]
    elif dimension == "age":
        keys = [key for key, _limit, _label in AGES]
    elif dimension == "close_month":
        keys = sorted(found, key=lambda k: (k is None, k or ""))
    else:
        keys = list(found)
    if dimension == "age":
        labels = {key: label_text(label, request.locale_name) for key, _l, label in AGES}
    else:
        labels = group_labels(request, dimension, keys, params)
    rows = []
    for key in keys:
        row = found.get(key)
        rows.append(
            {
                "_group": key,
                "label": labels.get(key, str(key)),
                "count": int(row.count) if row else 0,
                "value": (row.value if row else None) or 0,
                "weighted": (row.weighted / 100 if row and row.weighted is not None else 0),
                "age": round(row.age) if row and row.age is not None else None,
            }
        )
    if dimension in ("user", "team"):
        rows.sort(key=lambda r: (-r["value"], r["label"]))
    return {
        "columns": [
            {"key": "label", "label": dict(DIMENSIONS)[dimension], "kind": "text"},
            {"key": "count", "label": _("Open tasks"), "kind": "int"},
            {"key": "value", "label": _("Expected value"), "kind": "money"},
            {"key": "weighted", "label": _("Weighted value"), "kind": "money"},
            {"key": "age", "label": _("Average days in stage"), "kind": "int"},
        ],
        "rows": rows,
        "chart": {
            "type": "funnel" if dimension == "stage" else "bars",
            "label": "label",
            "value": "value" if dimension != "age" else "count",
        },
        "drill": drill_link(request, KEY, params),
    }


def records(request: Any, params: dict[str, Any], group: str, measure: str) -> Any:
    """The open tasks behind a number of this report (a select of ``Task``)."""
    dialect = dialect_of(request.db)
    expression = group_expression(params["dimension"], dialect, datetime.now(UTC))
    key: Any = group_value(group)
    if params["dimension"] in ("stage", "user", "team") and key is not None:
        key = int(key) if key.isdigit() else -1
    matches = expression.is_(None) if key is None else expression == key
    return (
        select(Task)
        .join(Stage, Stage.id == Task.stage_id)
        .where(matches, *_conditions(params))
        .order_by(Task.close_date, Task.id)
    )


def declaration() -> dict[str, Any]:
    return {
        "key": KEY,
        "title": {"fi": "Myyntiputki", "sv": "Försäljningstratt", "en": "Pipeline"},
        "group": {"fi": "Myynti", "sv": "Försäljning", "en": "Sales"},
        "permission": ReportsPermission.VIEW,
        "filters": ("user", "team", "customer"),
        "dimensions": DIMENSIONS,
        "run": run,
    }
