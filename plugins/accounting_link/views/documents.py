"""A document's page, its form (new from a task, or edit while a draft), and its steps."""

from __future__ import annotations

from datetime import date
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.models import User
from plugins.accounting_link import _, flow, sync
from plugins.accounting_link.document_form import bind_form, read_form, show_refusal
from plugins.accounting_link.documents import (
    DocumentRefused,
    apply_lines,
    check_customer,
    check_lines,
    create_document,
)
from plugins.accounting_link.forms import PaymentForm, StepForm
from plugins.accounting_link.labels import KIND_LABELS, STEP_LABELS
from plugins.accounting_link.models import (
    DocumentKind,
    InvoiceState,
    OrderState,
    Payment,
    Product,
    QuoteState,
    SalesDocument,
)
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.totals import document_totals
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import Task

PAGE = "plugins.accounting_link:templates/document.pt"
FORM = "plugins.accounting_link:templates/document_form.pt"

SAVED = _("Document saved.")
STEP_DONE = _("Done.")
INVALID = _("Check the fields marked below.")
NOT_EDITABLE = _(
    "Only a draft quote or invoice, or an order with nothing delivered, can be edited."
)

#: Documents whose header and lines may still change.
EDITABLE = {
    DocumentKind.QUOTE: (QuoteState.DRAFT,),
    DocumentKind.ORDER: (OrderState.OPEN,),
    DocumentKind.INVOICE: (InvoiceState.DRAFT,),
    DocumentKind.CREDIT_NOTE: (InvoiceState.DRAFT,),
}
NEW_KINDS = (DocumentKind.QUOTE, DocumentKind.ORDER, DocumentKind.INVOICE)


def get_document(request: Any) -> SalesDocument:
    doc = request.db.get(SalesDocument, int(request.matchdict["id"]))
    if doc is None:
        raise HTTPNotFound()
    return doc


def is_editable(doc: SalesDocument) -> bool:
    if doc.kind == DocumentKind.ORDER and any(ln.delivered_quantity for ln in doc.lines):
        return False
    return doc.state in EDITABLE[DocumentKind(doc.kind)]


def page_data(
    request: Any, doc: SalesDocument, payment: PaymentForm | None = None, error: str | None = None
) -> dict[str, Any]:
    db = request.db
    request.page_context = doc
    product_codes = dict(
        db.execute(
            select(Product.id, Product.code).where(
                Product.id.in_([ln.product_id for ln in doc.lines if ln.product_id])
            )
        ).all()
    )
    related = list(
        db.scalars(
            select(SalesDocument)
            .where((SalesDocument.source_id == doc.id) | (SalesDocument.id == (doc.source_id or 0)))
            .order_by(SalesDocument.id)
        )
    )
    can_edit = request.has_permission(AccountingPermission.DOCUMENT_EDIT)
    can_pay = request.has_permission(AccountingPermission.PAYMENT_EDIT)
    salesperson = db.get(User, doc.salesperson_user_id) if doc.salesperson_user_id else None
    return {
        "doc": doc,
        "error": error,
        "kind_label": KIND_LABELS[doc.kind],
        "customer": db.get(Customer, doc.customer_id),
        "person": db.get(ContactPerson, doc.contact_person_id) if doc.contact_person_id else None,
        "salesperson": salesperson,
        "task": db.get(Task, doc.task_id) if doc.task_id else None,
        "totals": document_totals(
            ((ln.net_amount, ln.vat_percent) for ln in doc.lines), doc.reverse_charge
        ),
        "product_codes": product_codes,
        "related": related,
        "payments": list(
            db.scalars(
                select(Payment).where(Payment.document_id == doc.id).order_by(Payment.paid_on)
            )
        ),
        "steps": [(s, STEP_LABELS[s]) for s in flow.available_steps(doc)] if can_edit else [],
        "can_edit": can_edit and is_editable(doc),
        "can_pay": can_pay and doc.state in flow.UNPAID_STATES and doc.kind == DocumentKind.INVOICE,
        "payment_form": payment or _payment_form(request),
        "can_send": can_edit and bool(request.plugins.myynti_send_message.get_hookimpls()),
        "is_invoice": doc.kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE),
        "can_deliver": can_edit
        and doc.kind == DocumentKind.ORDER
        and doc.state != OrderState.INVOICED,
        "can_retry_sync": can_edit and doc.sync_state == "failed",
    }


def _payment_form(request: Any) -> PaymentForm:
    form = PaymentForm.from_request(request)
    if request.method != "POST":
        form.paid_on.data = date.today()
    return form


@view_config(
    route_name="sales_document",
    request_method="GET",
    renderer=PAGE,
    permission=AccountingPermission.DOCUMENT_VIEW,
)
def document_page(request: Any) -> dict[str, Any]:
    return page_data(request, get_document(request))


@view_config(
    route_name="sales_document_new", renderer=FORM, permission=AccountingPermission.DOCUMENT_EDIT
)
def document_new(request: Any) -> Any:
    task = request.db.get(Task, int(request.matchdict["task_id"]))
    kind = request.matchdict["kind"]
    if task is None or kind not in NEW_KINDS:
        raise HTTPNotFound()
    form = bind_form(request, task=task)
    if request.method == "POST":
        data = read_form(request, form, kind)
        if data is not None:
            data.task_id = task.id
            try:
                with request.db.begin_nested():
                    doc = create_document(request.db, kind, data, request.user)
                    if kind == DocumentKind.ORDER:
                        sync.request_push(request.db, request.tenant, doc)
            except DocumentRefused as refused:
                show_refusal(form, refused.field, refused.message)
            else:
                request.session.flash(request.localizer.translate(SAVED))
                return HTTPSeeOther(request.route_url("sales_document", id=doc.id))
        request.response.status_int = 400
    return {
        "form": form,
        "doc": None,
        "task": task,
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "stale": False,
    }


@view_config(
    route_name="sales_document_edit", renderer=FORM, permission=AccountingPermission.DOCUMENT_EDIT
)
def document_edit(request: Any) -> Any:
    doc = get_document(request)
    if not is_editable(doc):
        request.session.flash(request.localizer.translate(NOT_EDITABLE), "error")
        return HTTPSeeOther(request.route_url("sales_document", id=doc.id))
    form = bind_form(request, doc=doc)
    stale = False
    if request.method == "POST":
        data = read_form(request, form, doc.kind)
        if data is not None:
            try:
                with request.db.begin_nested():
                    flow.check_version(doc, form.version.data)
                    _update(request.db, doc, data)
            except DocumentRefused as refused:
                stale = refused.field == "version"
                show_refusal(form, refused.field, refused.message)
            except StaleDataError:
                request.db.expire_all()
                stale = True
                form.form_errors.append(flow.STALE)
            else:
                request.session.flash(request.localizer.translate(SAVED))
                return HTTPSeeOther(request.route_url("sales_document", id=doc.id))
        if stale:
            form.version.raw_data = [str(doc.version)]
        request.response.status_int = 409 if stale else 400
    return {
        "form": form,
        "doc": doc,
        "task": None,
        "kind": doc.kind,
        "kind_label": KIND_LABELS[doc.kind],
        "stale": stale,
    }


def _update(db: Any, doc: SalesDocument, data: Any) -> None:
    check_customer(doc.kind, data.customer)
    rates = check_lines(db, doc.kind, data.document_date, data.lines)
    doc.customer_id = data.customer.id
    doc.contact_person_id = data.contact_person_id
    doc.salesperson_user_id = data.salesperson_user_id
    doc.document_date = data.document_date
    if data.payment_term_days is not None:
        doc.payment_term_days = data.payment_term_days
    doc.our_reference = data.our_reference
    doc.your_reference = data.your_reference
    doc.notes = data.notes
    apply_lines(doc, data.lines, rates)
    if doc.kind == DocumentKind.INVOICE and data.reference:
        doc.reference = data.reference
    db.flush()


@view_config(
    route_name="sales_document_step",
    request_method="POST",
    renderer=PAGE,
    permission=AccountingPermission.DOCUMENT_EDIT,
)
def document_step(request: Any) -> Any:
    doc = get_document(request)
    step = request.matchdict["step"]
    form = StepForm.from_request(request)
    try:
        if not form.validate():
            raise DocumentRefused(INVALID)
        with request.db.begin_nested():
            result = flow.take_step(request.db, doc, step, request.user, form.version.data)
            if step == "send" or (result is not doc and result.kind == DocumentKind.ORDER):
                sync.request_push(request.db, request.tenant, result)
    except DocumentRefused as refused:
        request.response.status_int = 409 if refused.field == "version" else 400
        request.db.expire_all()
        return page_data(request, doc, error=refused.message)
    except StaleDataError:
        request.db.expire_all()
        request.response.status_int = 409
        return page_data(request, doc, error=flow.STALE)
    request.session.flash(request.localizer.translate(STEP_DONE))
    return HTTPSeeOther(request.route_url("sales_document", id=result.id))
