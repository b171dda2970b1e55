"""The tasks report: tasks created, closed and overdue, by person, team, period or stage.

Created and closed count in the period by ``created_at`` and ``closed_at``;
overdue are open tasks whose due date is in the period and already past. By
stage, closed tasks count in the stage they closed into (won or lost) and
created ones in the stage they are in now: the throughput of each stage.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from plugins.reports import _
from plugins.reports.builtin.common import (
    drill_link,
    group_labels,
    group_value,
    period_keys,
    task_scope,
)
from plugins.reports.periods import bounds, local_today
from plugins.reports.permissions import ReportsPermission
from plugins.reports.sql import by_label, date_bucket, dialect_of, moment_bucket
from plugins.workflow.models import Stage, Task

KEY = "reports.tasks"
MEASURES = ("created", "closed", "overdue")
DIMENSIONS = [
    ("user", _("Responsible person")),
    ("team", _("Team")),
    ("period", _("Period")),
    ("stage", _("Stage")),
]


def _measure(measure: str, params: dict[str, Any]) -> tuple[Any, list[Any], bool]:
    """The moment a measure counts by, its conditions, and whether the moment is a date."""
    since, until = bounds(params["start"], params["end"])
    if measure == "created":
        return Task.created_at, [Task.created_at >= since, Task.created_at < until], False
    if measure == "closed":
        return Task.closed_at, [Task.closed_at >= since, Task.closed_at < until], False
    today = local_today()
    last = min(params["end"], today)
    overdue = [
        Task.closed_at.is_(None),
        Task.due_date >= params["start"],
        Task.due_date <= last,
        Task.due_date < today,
    ]
    return Task.due_date, overdue, True


def group_expression(dimension: str, measure: str, params: dict[str, Any], dialect: str) -> Any:
    if dimension == "period":
        moment, _conditions, is_date = _measure(measure, params)
        granularity, start, end = params["granularity"], params["start"], params["end"]
        if is_date:
            return date_bucket(moment, granularity, dialect)
        return moment_bucket(moment, granularity, start, end, dialect)
    return {"user": Task.responsible_user_id, "team": Task.team_id, "stage": Task.stage_id}[
        dimension
    ]


def run(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    db = request.db
    dialect = dialect_of(db)
    dimension = params["dimension"]
    counts: dict[Any, dict[str, int]] = {}
    for measure in MEASURES:
        group = group_expression(dimension, measure, params, dialect).label("g")
        _moment, conditions, _is_date = _measure(measure, params)
        query = (
            select(group, func.count().label("n"))
            .select_from(Task)
            .where(*conditions, *task_scope(params))
            .group_by(by_label(group))
        )
        for row in db.execute(query):
            counts.setdefault(row.g, dict.fromkeys(MEASURES, 0))[measure] = int(row.n)
    if dimension == "period":
        keys: list[Any] = period_keys(params)
    elif dimension == "stage":
        order = db.execute(
            select(Stage.id)
            .where(Stage.id.in_(list(counts) or [0]))
            .order_by(Stage.workflow_id, Stage.position, Stage.id)
        )
        keys = [row[0] for row in order]
    else:
        keys = sorted(counts, key=lambda k: -sum(counts[k].values()))
    labels = group_labels(request, dimension, keys, params)
    rows = [
        {
            "_group": key,
            "label": labels.get(key, str(key)),
            **counts.get(key, dict.fromkeys(MEASURES, 0)),
        }
        for key in keys
    ]
    return {
        "columns": [
            {"key": "label", "label": dict(DIMENSIONS)[dimension], "kind": "text"},
            {"key": "created", "label": _("Created"), "kind": "int"},
            {"key": "closed", "label": _("Closed"), "kind": "int"},
            {"key": "overdue", "label": _("Overdue"), "kind": "int"},
        ],
        "rows": rows,
        "chart": {"type": "bars", "label": "label", "value": "closed"},
        "drill": drill_link(request, KEY, params),
    }


def records(request: Any, params: dict[str, Any], group: str, measure: str) -> Any:
    """The tasks behind a number of this report (a select of ``Task``)."""
    measure = measure if measure in MEASURES else "created"
    dialect = dialect_of(request.db)
    expression = group_expression(params["dimension"], measure, params, dialect)
    key: Any = group_value(group)
    if params["dimension"] in ("user", "team", "stage") and key is not None:
        key = int(key) if key.isdigit() else -1
    matches = expression.is_(None) if key is None else expression == key
    _moment, conditions, _is_date = _measure(measure, params)
    return (
        select(Task)
        .where(matches, *conditions, *task_scope(params))
        .order_by(Task.created_at.desc(), Task.id.desc())
    )


def declaration() -> dict[str, Any]:
    return {
        "key": KEY,
        "title": _("Tasks"),
        "group": _("Activities and tasks"),
        "permission": ReportsPermission.VIEW,
        "filters": ("period", "user", "team", "customer"),
        "dimensions": DIMENSIONS,
        "run": run,
    }
