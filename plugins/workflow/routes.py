"""The workflow plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: SortableJS, installed by ``npm ci`` at the repository's root (package.json), never copied in.
SORTABLEJS = Path(__file__).resolve().parents[2] / "node_modules" / "sortablejs"
#: Chart.js, for the dashboard's charts, likewise from ``node_modules``.
CHARTJS = Path(__file__).resolve().parents[2] / "node_modules" / "chart.js" / "dist"


def includeme(config: Any) -> None:
    config.add_static_view("static/workflow", "plugins.workflow:static", cache_max_age=3600)
    config.add_static_view("static/vendor/sortablejs", str(SORTABLEJS), cache_max_age=3600)
    config.add_static_view("static/vendor/chartjs", str(CHARTJS), cache_max_age=3600)
    config.add_tenant_route("board", "/board")
    config.add_tenant_route("board_column", "/board/stages/{stage_id:\\d+}/cards")
    config.add_tenant_route("board_move", "/board/tasks/{id:\\d+}/move")
    config.add_tenant_route("board_quick_add", "/board/stages/{stage_id:\\d+}/tasks")
    config.add_tenant_route(
        "workflow_action_retry", "/tasks/{id:\\d+}/actions/{event_id:\\d+}/retry"
    )
    config.add_tenant_route("tasks", "/tasks")
    config.add_tenant_route("tasks_export", "/tasks/export.csv")
    config.add_tenant_route("task_new", "/tasks/new")
    config.add_tenant_route("task", "/tasks/{id:\\d+}")
    config.add_tenant_route("task_edit", "/tasks/{id:\\d+}/edit")
    config.add_tenant_route("task_move", "/tasks/{id:\\d+}/move")
    config.add_tenant_route("activity_new", "/tasks/{id:\\d+}/activities")
    config.add_tenant_route("activity_log", "/activities/log")
    config.add_tenant_route("activity_log_tasks", "/activities/log/tasks")
    config.add_tenant_route("activity_edit", "/activities/{id:\\d+}/edit")
    config.add_tenant_route("activity_done", "/activities/{id:\\d+}/done")
    config.add_tenant_route("activity_reopen", "/activities/{id:\\d+}/reopen")
    config.add_tenant_route("my_work", "/my-work")
    config.add_tenant_route("request_task", "/requests/{id:\\d+}/task")
    config.add_tenant_route("workflow_settings", "/settings/workflows")
    config.add_tenant_route("workflow_setting", "/settings/workflows/{id:\\d+}")
    config.add_tenant_route("stage_new", "/settings/workflows/{id:\\d+}/stages")
    config.add_tenant_route("stage_edit", "/settings/stages/{id:\\d+}")
    config.add_tenant_route("stage_move", "/settings/stages/{id:\\d+}/move")
    config.add_tenant_route("stage_retire", "/settings/stages/{id:\\d+}/retire")
    config.add_tenant_route("stage_restore", "/settings/stages/{id:\\d+}/restore")
    config.add_tenant_route("stage_actions", "/settings/stages/{id:\\d+}/actions")
    config.add_tenant_route(
        "stage_action_remove", "/settings/stages/{id:\\d+}/actions/{binding_id:\\d+}/delete"
    )
    config.add_tenant_route("activity_types", "/settings/activity-types")
    config.add_tenant_route("activity_type", "/settings/activity-types/{id:\\d+}")
    config.add_tenant_route("activity_type_retire", "/settings/activity-types/{id:\\d+}/retire")
    config.scan("plugins.workflow.views")
