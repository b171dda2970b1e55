"""The reports this plugin declares itself, through its own ``myynti_reports`` hook."""

from __future__ import annotations

from typing import Any

from plugins.reports.builtin import activities, pipeline, sales, tasks

#: Built-in reports by key; each module has ``declaration()`` and ``records()`` for drill-down.
MODULES = {module.KEY: module for module in (sales, pipeline, activities, tasks)}


def declarations() -> list[dict[str, Any]]:
    return [module.declaration() for module in MODULES.values()]
