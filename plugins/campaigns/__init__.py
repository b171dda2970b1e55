"""Campaigns: tasks in bulk for a target group, and each customer's campaign history."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; Finnish and Swedish in ``locale/*/LC_MESSAGES/myynti_campaigns.po``.
_ = TranslationStringFactory("myynti_campaigns")

plugin = Plugin(
    name="campaigns",
    title=_("Campaigns"),
    version="0.1.0",
    package="plugins.campaigns",
    summary=_("Tasks in bulk for a target group, a first message and the campaign's results"),
    depends=("contacts", "workflow"),
)
