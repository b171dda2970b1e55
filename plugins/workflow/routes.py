"""The workflow plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: SortableJS, installed by ``npm ci`` at the repository's root (package.json), never copied in.
SORTABLEJS = Path(__file__).resolve().parents[2] / "node_modules" / "sortablejs"


def includeme(config: Any) -> None:
    config.add_static_view("static/workflow", "plugins.workflow:static", cache_max_age=3600)
    config.add_static_view("static/vendor/sortablejs", str(SORTABLEJS), cache_max_age=3600)
    config.add_tenant_route("board", "/board")
    config.add_tenant_route("board_column", "/board/stages/{stage_id:\\d+}/cards")
    config.add_tenant_route("board_move", "/board/tasks/{id:\\d+}/move")
    config.add_tenant_route(
        "workflow_action_retry", "/tasks/{id:\\d+}/actions/{event_id:\\d+}/retry"
    )
    config.scan("plugins.workflow.views")
