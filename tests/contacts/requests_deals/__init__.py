"""A test plugin that offers "deal" as a conversion target of contact requests.

A deal is core's Team under another name (a table every test database has), so
the test needs no tables of its own; what matters is the hook and the links.
"""

from core import Plugin

plugin = Plugin(
    name="deals",
    title={"fi": "Kaupat", "en": "Deals"},
    version="0.0.1",
    package="tests.contacts.requests_deals",
    depends=("contacts",),
)
