"""A plugin whose set-up and demo data write rows the tests can count."""

from core import Plugin

plugin = Plugin(
    name="alpha",
    title={"fi": "Alfa", "en": "Alpha"},
    version="1.2.0",
    package="tests.cli_plugins.alpha",
    summary={"fi": "Alfan tiivistelmä", "en": "Alpha summary"},
)
