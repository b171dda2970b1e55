"""The pipeline report: open tasks by stage, expected close month, age, person or team.

Counts, expected value and value weighted by each stage's win probability.
The pipeline is a snapshot of the tasks open now, so it is summed from
``PipelineCell`` (and, by age, ``PipelineAge``): rows per stage, person,
team and close month (or day entered the stage) that the task listeners in
``pipeline_summary`` keep exact as tasks are created, moved, revalued,
closed, reopened and deleted; a tenant's pipeline is a few hundred rows
however many tasks are open. Filtered by customer, which the summaries do
not carry, the figures are summed from the open tasks themselves (a
customer's tasks are few, found by ``ix_task_customer``).

Ageing is the time in stage since ``Task.stage_entered_at`` (set by every
move). The average is in days, fractional, from that moment to now (the
summaries keep the sum of the moments, so it is exact). The age groups
count whole local days: a task is in "0–30 days" while the local day it
entered its stage is at most 30 days before today, so a group is a range of
``PipelineAge.entered_day`` and the drill-down compares ``stage_entered_at``
with the same local midnights. Stage probability and whether a stage is
open are read from the stage when the report runs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select

from core import label_text
from plugins.reports import _
from plugins.reports.builtin.common import drill_link, group_labels, group_value, task_scope
from plugins.reports.models import PipelineAge, PipelineCell
from plugins.reports.periods import LOCAL_TIME, UTC, local_midnight
from plugins.reports.permissions import ReportsPermission
from plugins.reports.pipeline_summary import NO_DATE, epoch_seconds
from plugins.reports.sql import by_label, date_bucket, days_between, dialect_of
from plugins.workflow.models import Stage, StageKind, Task

KEY = "reports.pipeline"
DIMENSIONS = [
    ("stage", _("Stage")),
    (
        "close_month",
        _("Expected close"),
    ),
    ("age", _("Time in stage")),
    ("user", _("Salesperson")),
    ("team", _("Team")),
]
#: Time-in-stage groups: (key, the most whole days in stage, label).
AGES = (
    ("a30", 30, _("0–30 days")),
    ("a90", 90, _("31–90 days")),
    ("a180", 180, _("91–180 days")),
    ("older", None, _("Over 180 days")),
)


def age_group(entered: Any, first_day: Any, today: date) -> Any:
    """The age group of a task that entered its stage at ``entered``.

    ``first_day(day)`` is what ``entered`` must be at least to fall on ``day``
    or later: the day itself for a date column, its local midnight for a moment.
    """
    whens = [
        (entered >= first_day(today - timedelta(days=most)), key)
        for key, most, _label in AGES
        if most is not None
    ]
    return case(*whens, else_="older")


def group_expression(dimension: str, dialect: str, today: date) -> Any:
    """The group of an open task, over ``Task`` (for the tasks and for the drill-down)."""
    if dimension == "close_month":
        return date_bucket(Task.close_date, "month", dialect)
    if dimension == "age":
        return age_group(Task.stage_entered_at, local_midnight, today)
    return {
        "stage": Task.stage_id,
        "user": Task.responsible_user_id,
        "team": Task.team_id,
    }[dimension]


def _conditions(params: dict[str, Any]) -> list[Any]:
    return [Stage.kind == StageKind.OPEN, Task.closed_at.is_(None), *task_scope(params)]


def _from_tasks(params: dict[str, Any], dialect: str, now: datetime) -> Any:
    """The figures by group, summed over the open tasks themselves."""
    group = group_expression(params["dimension"], dialect, local_date(now)).label("g")
    value = func.coalesce(Task.expected_value, 0)
    return (
        select(
            group,
            func.count().label("count"),
            func.sum(value).label("value"),
            func.sum(value * Stage.probability).label("weighted"),
            func.avg(days_between(now, Task.stage_entered_at, dialect)).label("age"),
        )
        .select_from(Task)
        .join(Stage, Stage.id == Task.stage_id)
        .where(*_conditions(params))
        .group_by(by_label(group))
    )


def _from_summary(params: dict[str, Any], dialect: str, now: datetime) -> Any:
    """The same figures summed over ``PipelineCell`` or, by age, ``PipelineAge``."""
    dimension = params["dimension"]
    table = PipelineAge if dimension == "age" else PipelineCell
    if dimension == "age":
        group = age_group(PipelineAge.entered_day, lambda day: day, local_date(now))
    elif dimension == "close_month":
        close = func.nullif(PipelineCell.close_month, literal(NO_DATE))
        group = date_bucket(close, "month", dialect)
    else:
        group = func.nullif(getattr(table, f"{dimension}_id"), 0)
    group = group.label("g")
    conditions = [Stage.kind == StageKind.OPEN]
    visible = params.get("visible_user_ids")
    if visible is not None:
        conditions.append(table.user_id.in_(sorted(visible)))
    if params.get("user_id"):
        conditions.append(table.user_id == params["user_id"])
    if params.get("team_id"):
        conditions.append(table.team_id == params["team_id"])
    tasks = func.sum(table.tasks)
    # The average of (now - entered) over the tasks: now minus their average entry moment.
    entered = func.sum(table.entered) * 1.0 / func.nullif(tasks, 0)
    return (
        select(
            group,
            tasks.label("count"),
            func.sum(table.value).label("value"),
            func.sum(table.value * Stage.probability).label("weighted"),
            ((epoch_seconds(now) - entered) / 86400.0).label("age"),
        )
        .select_from(table)
        .join(Stage, Stage.id == table.stage_id)
        .where(*conditions)
        .group_by(by_label(group))
        # A row whose tasks all closed or moved away is kept, at zero: no group of its own.
        .having(tasks > 0)
    )


def local_date(now: datetime) -> date:
    return now.astimezone(LOCAL_TIME).date()


def run(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    dialect = dialect_of(request.db)
    now = datetime.now(UTC)
    dimension = params["dimension"]
    summed = not params.get("customer_id")
    query = (_from_summary if summed else _from_tasks)(params, dialect, now)
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
    today = local_date(datetime.now(UTC))
    expression = group_expression(params["dimension"], dialect, today)
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
        "title": _("Pipeline"),
        "group": _("Sales"),
        "permission": ReportsPermission.VIEW,
        "filters": ("user", "team", "customer"),
        "dimensions": DIMENSIONS,
        "run": run,
    }
