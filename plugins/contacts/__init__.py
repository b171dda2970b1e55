"""The customer register and incoming contact requests.

The first feature plugin and the model for the rest: its models, views, forms
and hook implementations show how a plugin is written (docs/plugins.md).
"""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: The plugin's messages: its own catalogue (``locale/*/LC_MESSAGES/myynti_contacts.po``).
_ = TranslationStringFactory("myynti_contacts")

plugin = Plugin(
    name="contacts",
    title=_("Customers and contact requests"),
    version="0.1.0",
    package="plugins.contacts",
    summary=_("Customer register, contact persons and incoming contact requests"),
)
