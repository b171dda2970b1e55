"""The hook ``widgets`` publishes for the plugins that depend on it."""

from __future__ import annotations

from core.hookspecs import hookspec


@hookspec
def myynti_widgets() -> list[str]:
    """Return the names of the widgets this plugin contributes."""
