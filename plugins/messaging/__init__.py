"""Messaging: e-mail and SMS out, templates, external mailboxes in, every message in the history."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; Finnish and Swedish in ``locale/*/LC_MESSAGES/myynti_messaging.po``.
_ = TranslationStringFactory("myynti_messaging")

plugin = Plugin(
    name="messaging",
    title=_("Messaging"),
    version="0.1.0",
    package="plugins.messaging",
    summary=_("E-mail and SMS out, templates, external mailboxes in"),
    depends=("contacts",),
)
