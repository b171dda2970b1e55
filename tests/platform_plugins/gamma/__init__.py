"""A plugin that needs ``beta`` (and so ``alpha``): a chain of three."""

from core import Plugin

plugin = Plugin(
    name="gamma",
    title={"fi": "Gamma", "en": "Gamma"},
    version="0.1.0",
    package="tests.platform_plugins.gamma",
    depends=("beta",),
)
