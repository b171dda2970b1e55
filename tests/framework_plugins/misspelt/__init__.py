"""A plugin whose hook implementation misspells an argument."""

from core import Plugin

plugin = Plugin(
    name="misspelt",
    title={"fi": "Kirjoitusvirhe", "en": "Misspelt"},
    version="0.0.1",
    package="tests.framework_plugins.misspelt",
)
