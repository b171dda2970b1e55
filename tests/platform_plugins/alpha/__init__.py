"""A plugin with a tenant page, a menu link, a dashboard panel and set-up data."""

from core import Plugin

plugin = Plugin(
    name="alpha",
    title={"fi": "Alfa", "en": "Alpha"},
    version="1.2.0",
    package="tests.platform_plugins.alpha",
)
