"""Shared notes for a tenant: the example of a partner's plugin (docs/plugins.md).

It lives in its own distribution and changes nothing in core: core finds the
``plugin`` below through the ``myynti.plugins`` entry point of ``setup.cfg``.
"""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

plugin = Plugin(
    name="notes",
    title={"fi": "Muistiinpanot", "sv": "Anteckningar", "en": "Notes"},
    version="1.0.0",
    package="myynti_notes",
    summary={
        "fi": "Tiimin yhteiset muistiinpanot ja uusimmat etusivulla",
        "sv": "Teamets gemensamma anteckningar, de senaste på startsidan",
        "en": "The team's shared notes, the latest on the dashboard",
    },
    depends=(),
)

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_notes.po``.
_ = TranslationStringFactory("myynti_notes")
