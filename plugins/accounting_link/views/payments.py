"""Entering a payment by hand on an invoice (the local ledger)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from plugins.accounting_link import _, flow
from plugins.accounting_link.documents import DocumentRefused
from plugins.accounting_link.forms import PaymentForm
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.views.documents import PAGE, get_document, page_data

PAYMENT_SAVED = _("Payment entered.")


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
