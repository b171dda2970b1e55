"""A test plugin that "sends" messages: it records each in the record's history.

It offers one e-mail template and refuses, like a real sender would, a
marketing message to someone without consent or without an address.
"""

from core import Plugin

plugin = Plugin(
    name="messenger",
    title={"fi": "Viestinviejä", "en": "Messenger"},
    version="0.0.1",
    package="tests.campaigns.messenger",
    depends=("contacts", "workflow"),
)
