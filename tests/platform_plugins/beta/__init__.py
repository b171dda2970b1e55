"""A plugin that needs ``alpha``."""

from core import Plugin

plugin = Plugin(
    name="beta",
    title={"fi": "Beeta", "en": "Beta"},
    version="0.3.0",
    package="tests.platform_plugins.beta",
    depends=("alpha",),
)
