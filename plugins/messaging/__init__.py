"""Messaging: e-mail and SMS out, templates, external mailboxes in, every message in the history."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

plugin = Plugin(
    name="messaging",
    title={"fi": "Viestintä", "sv": "Meddelanden", "en": "Messaging"},
    version="0.1.0",
    package="plugins.messaging",
    summary={
        "fi": "Sähköpostit ja tekstiviestit, viestipohjat, ulkoiset postilaatikot",
        "sv": "E-post och SMS, meddelandemallar, externa postlådor",
        "en": "E-mail and SMS out, templates, external mailboxes in",
    },
    depends=("contacts",),
)

#: Messages of this plugin; Finnish and Swedish in ``locale/*/LC_MESSAGES/myynti_messaging.po``.
_ = TranslationStringFactory("myynti_messaging")
