"""Sales documents from a task (quote, order, invoice, credit note) followed to payment,
with an accounting backend (local ledger or Netvisor)."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_accounting_link.po``.
_ = TranslationStringFactory("myynti_accounting_link")

plugin = Plugin(
    name="accounting_link",
    title=_("Sales documents and accounting"),
    version="0.1.0",
    package="plugins.accounting_link",
    summary=_("Quotes, orders and invoices from a task to payment, an accounting link"),
    depends=("contacts", "workflow"),
)
