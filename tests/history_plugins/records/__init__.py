"""A test plugin that declares core's Team as an entity with history and attachments."""

from core import Plugin

plugin = Plugin(
    name="records",
    title={"fi": "Tietueet", "en": "Records"},
    version="0.0.1",
    package="tests.history_plugins.records",
)
