from core import Plugin

plugin = Plugin(
    name="widgets",
    title={"fi": "Vimpaimet", "en": "Widgets"},
    version="0.0.1",
    package="tests.framework_plugins.widgets",
)
