"""The workflow plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    config.scan("plugins.workflow.views")
