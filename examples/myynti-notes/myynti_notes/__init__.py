"""Shared notes for a tenant: the example of a partner's plugin (docs/plugins.md).

It lives in its own distribution and changes nothing in core: core finds the
``plugin`` below through the ``myynti.plugins`` entry point of ``setup.cfg``.
"""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_notes.po``.
_ = TranslationStringFactory("myynti_notes")

plugin = Plugin(
    name="notes",
    title=_("Notes"),
    version="1.0.0",
    package="myynti_notes",
    summary=_("The team's shared notes, the latest on the dashboard"),
    depends=(),
)
