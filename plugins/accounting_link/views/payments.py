"""Entering a payment by hand on an invoice (the local ledger), and a delivery on an order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from core.forms import row_id
from plugins.accounting_link import _, flow
from plugins.accounting_link.documents import DocumentRefused
from plugins.accounting_link.forms import PaymentForm, parse_number
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.views.documents import PAGE, get_document, page_data

PAYMENT_SAVED = _("Payment entered.")
DELIVERY_SAVED = _("Delivery recorded.")


@view_config(
    route_name="sales_document_payments",
    request_method="POST",
    renderer=PAGE,
    permission=AccountingPermission.PAYMENT_EDIT,
)
def add_payment(request: Any) -> Any:
    doc = get_document(request)
    form = PaymentForm.from_request(request)
    if form.validate():
        try:
            with request.db.begin_nested():
                flow.add_payment(
                    request.db,
                    doc,
                    form.amount.data,
                    form.paid_on.data,
                    request.user,
                    payer=form.payer.data or "",
                )
        except DocumentRefused as refused:
            form.amount.errors = [*form.amount.errors, refused.message]
        else:
            request.session.flash(request.localizer.translate(PAYMENT_SAVED))
            return HTTPSeeOther(request.route_url("sales_document", id=doc.id))
    request.response.status_int = 400
    return page_data(request, doc, payment=form)


@view_config(
    route_name="sales_document_delivery",
    request_method="POST",
    renderer=PAGE,
    permission=AccountingPermission.DOCUMENT_EDIT,
)
def record_delivery(request: Any) -> Any:
    """Quantities delivered now, one ``delivered-<line id>`` field per order line."""
    doc = get_document(request)
    quantities = {}
    for line in doc.lines:
        try:
            quantity = parse_number(request.POST.get(f"delivered-{line.id}", ""))
        except ValueError as exc:
            request.response.status_int = 400
            return page_data(request, doc, error=exc.args[0])
        quantities[line.id] = quantity or Decimal("0")
    try:
        with request.db.begin_nested():
            flow.check_version(doc, row_id(request.POST.get("version")))
            flow.deliver(request.db, doc, quantities, request.user)
    except DocumentRefused as refused:
        request.response.status_int = 409 if refused.field == "version" else 400
        request.db.expire_all()
        return page_data(request, doc, error=refused.message)
    request.session.flash(request.localizer.translate(DELIVERY_SAVED))
    return HTTPSeeOther(request.route_url("sales_document", id=doc.id))
