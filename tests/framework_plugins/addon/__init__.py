from core import Plugin

plugin = Plugin(
    name="addon",
    title={"fi": "Lisäosa", "en": "Add-on"},
    version="0.0.1",
    package="tests.framework_plugins.addon",
    depends=("widgets",),
)
