from core import Plugin

plugin = Plugin(
    name="stray",
    title={"fi": "Eksynyt", "en": "Stray"},
    version="0.0.1",
    package="tests.framework_plugins.stray",
)
