"""The HTTP API: personal tokens and JSON endpoints generated from every plugin's entities."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_api.po``.
_ = TranslationStringFactory("myynti_api")

plugin = Plugin(
    name="api",
    title=_("API"),
    version="0.1.0",
    package="plugins.api",
    summary=_("A JSON API to every record type, personal tokens and an OpenAPI document"),
    depends=(),
)
