"""Two reports as plain data: tasks by stage for everyone, and one only admins may see.

Imports nothing of ``plugins.reports``: the hook is marked optional, so the
plugin also loads where reports is not installed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import hookimpl, label_text
from plugins.workflow.models import Stage, Task


def _tasks_by_stage(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    query = (
        select(Stage.id, Stage.name, func.count(Task.id))
        .join(Task, Task.stage_id == Stage.id)
        .group_by(Stage.id, Stage.name)
        .order_by(Stage.position)
    )
    visible = params["visible_user_ids"]
    if visible is not None:
        query = query.where(Task.responsible_user_id.in_(sorted(visible)))
    rows = [
        {"stage": label_text(name, request.locale_name), "tasks": count, "stage_id": stage_id}
        for stage_id, name, count in request.db.execute(query)
    ]
    return {
        "columns": [
            {"key": "stage", "label": {"fi": "Vaihe", "en": "Stage"}, "kind": "text"},
            {"key": "tasks", "label": {"fi": "Tehtäviä", "en": "Tasks"}, "kind": "int"},
        ],
        "rows": rows,
        "chart": {"type": "bars", "label": "stage", "value": "tasks"},
        "drill": lambda row, column: request.route_url(
            "tasks", _query={"stage": row["stage_id"], "state": "all"}
        ),
    }


@hookimpl(optionalhook=True)
def myynti_reports(request: Any) -> list[dict[str, Any]]:
    return [
        {
            "key": "tally.stages",
            "title": {"fi": "Tehtävät vaiheittain", "en": "Tasks by stage"},
            "group": {"fi": "Laskuri", "en": "Tally"},
            "permission": "workflow:task:view",
            "filters": (),
            "dimensions": [("stage", {"fi": "Vaihe", "en": "Stage"})],
            "run": _tasks_by_stage,
        },
        {
            "key": "tally.secret",
            "title": {"fi": "Salainen", "en": "Secret"},
            "group": {"fi": "Laskuri", "en": "Tally"},
            "permission": "workflow:settings:manage",
            "filters": ("period",),
            "dimensions": [("stage", {"fi": "Vaihe", "en": "Stage"})],
            "run": _tasks_by_stage,
        },
    ]
