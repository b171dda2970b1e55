"""A test plugin offering stage actions: one that works, one that fails once, one that fails."""

from core import Plugin

plugin = Plugin(
    name="stagehand",
    title={"fi": "Näyttämömies", "en": "Stagehand"},
    version="0.0.1",
    package="tests.workflow_plugins.stagehand",
    depends=("workflow",),
)
