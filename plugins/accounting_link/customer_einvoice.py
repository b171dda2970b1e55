"""A customer's e-invoice address and operator: two fields on contacts' customer form, a
panel on the customer's page, and the pair for the documents' buyer.

Contacts owns the customer; this plugin adds its fields through core's
record-form hooks (``myynti_form_fields`` and ``myynti_form_saved``) and keeps
the values in its own table (``CustomerEInvoice``). The fields are checked
when the whole customer form is, so a wrong address is shown beside the field
as typed and nothing of the customer is saved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import ValidationError

from core import Panel
from plugins.accounting_link import _
from plugins.accounting_link.einvoice_address import compact, problems
from plugins.accounting_link.models import CustomerEInvoice
from plugins.accounting_link.permissions import AccountingPermission
from plugins.contacts.models import Customer

ENTITY = "customer"
ADDRESS = "accounting_einvoice_address"
OPERATOR = "accounting_einvoice_operator"
SECTION = _("E-invoicing")
ADDRESS_LABEL = _("E-invoice address")
OPERATOR_LABEL = _("E-invoice operator")


def einvoice_of(db: Any, customer_id: int) -> CustomerEInvoice | None:
    return db.scalar(select(CustomerEInvoice).where(CustomerEInvoice.customer_id == customer_id))


def _check(key: str) -> Any:
    def check(form: Any, field: Any) -> None:
        found = problems(compact(form[ADDRESS].data), compact(form[OPERATOR].data))
        if key in found:
            raise ValidationError(found[key])

    return check


def _loader(db: Any, attribute: str) -> Any:
    def load(customer: Any) -> str:
        found = einvoice_of(db, customer.id)
        return getattr(found, attribute) if found is not None else ""

    return load


def form_fields(request: Any, entity: str) -> list[tuple[str, Any, Any, Any]]:
    """The address and operator fields of the customer form."""
    if entity != ENTITY:
        return []
    return [
        (
            ADDRESS,
            SECTION,
            StringField(
                ADDRESS_LABEL,
                [_check("address")],
                description=_("OVT identifier (e.g. 003712345671) or IBAN"),
            ),
            _loader(request.db, "address"),
        ),
        (
            OPERATOR,
            SECTION,
            StringField(
                OPERATOR_LABEL,
                [_check("operator")],
                description=_("The operator's OVT identifier or the bank's BIC"),
            ),
            _loader(request.db, "operator"),
        ),
    ]


def save(request: Any, entity: str, record: Any, form: Any) -> None:
    """Store the checked pair (compact), or drop it when both fields are empty."""
    if entity != ENTITY or ADDRESS not in form._fields:
        return
    address, operator = compact(form[ADDRESS].data), compact(form[OPERATOR].data)
    found = einvoice_of(request.db, record.id)
    if not address:
        if found is not None:
            request.db.delete(found)
        return
    if found is None:
        request.db.add(CustomerEInvoice(customer_id=record.id, address=address, operator=operator))
    else:
        found.address, found.operator = address, operator
    request.db.flush()


def customer_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    """The customer page's e-invoicing panel, when the customer has an address."""
    if slot != "record_sidebar" or not isinstance(context, Customer):
        return []
    if not request.has_permission(AccountingPermission.DOCUMENT_VIEW):
        return []
    found = einvoice_of(request.db, context.id)
    if found is None:
        return []
    return [
        Panel(
            title={"fi": "Verkkolaskutus", "sv": "E-fakturering", "en": "E-invoicing"},
            template="plugins.accounting_link:templates/panel_customer_einvoice.pt",
            data={"einvoice": found},
            order=40,
            key="accounting-customer-einvoice",
        )
    ]
