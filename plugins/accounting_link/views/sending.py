"""A document's files (PDF, Finvoice) and sending it by e-mail through the messaging plugin."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from core import MessageFile, MessageRefused, OutgoingMessage
from plugins.accounting_link import _, outputs
from plugins.accounting_link.documents import record_step
from plugins.accounting_link.events import DOCUMENT_SENT
from plugins.accounting_link.finvoice import FinvoiceError
from plugins.accounting_link.labels import kind_label
from plugins.accounting_link.models import DocumentKind
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.views.documents import PAGE, get_document, page_data
from plugins.contacts.models import ContactPerson, Customer

SENT = _("The document was queued to be sent to ${to}.")
NO_MESSAGING = _("Sending by e-mail needs the messaging module.")
NO_ADDRESS = _("Neither the contact person nor the customer has an e-mail address.")
NO_FINVOICE = _("No Finvoice can be made of this invoice: ${why}")

BODY = {
    "fi": "Hei,\n\nliitteenä {kind} {number}.\n\nYstävällisin terveisin\n{company}",
    "sv": "Hej,\n\nbifogat {kind} {number}.\n\nMed vänliga hälsningar\n{company}",
    "en": "Hello,\n\nplease find attached {kind} {number}.\n\nKind regards\n{company}",
}


def recipient(db: Any, doc: Any) -> str | None:
    person = db.get(ContactPerson, doc.contact_person_id) if doc.contact_person_id else None
    if person is not None and person.email:
        return person.email
    return db.get(Customer, doc.customer_id).email or None


@view_config(
    route_name="sales_document_send",
    request_method="POST",
    renderer=PAGE,
    permission=AccountingPermission.DOCUMENT_EDIT,
)
def send_document(request: Any) -> Any:
    doc = get_document(request)
    to = recipient(request.db, doc)
    if to is None:
        request.response.status_int = 400
        return page_data(request, doc, error=NO_ADDRESS)
    output = outputs.render_pdf(request.db, doc)
    language = doc.language if doc.language in BODY else "fi"
    kind = outputs.label_in(kind_label(doc.kind), language)
    message = OutgoingMessage(
        entity="task" if doc.task_id else "customer",
        record_id=doc.task_id or doc.customer_id,
        to=(to,),
        subject=f"{kind} {doc.number}",
        body=BODY[language].format(
            kind=kind.lower(), number=doc.number, company=outputs.seller_name(request.db)
        ),
        files=(MessageFile(output.filename, "application/pdf", output.data),),
        sender_id=request.user.id,
    )
    try:
        with request.db.begin_nested():
            queued = request.plugins.myynti_send_message(
                db=request.db, tenant=request.tenant, message=message
            )
            if queued is not None:
                record_step(request.db, doc, DOCUMENT_SENT, request.user, to=to)
    except MessageRefused as refused:
        request.response.status_int = 400
        # Messaging's reason keeps its own translation string (its domain) in ``message``.
        return page_data(request, doc, error=getattr(refused, "message", str(refused)))
    if queued is None:
        request.response.status_int = 400
        return page_data(request, doc, error=NO_MESSAGING)
    request.session.flash(request.localizer.translate(_(SENT, mapping={"to": to})))
    return HTTPSeeOther(request.route_url("sales_document", id=doc.id))


@view_config(
    route_name="sales_document_pdf",
    request_method="GET",
    permission=AccountingPermission.DOCUMENT_VIEW,
)
def document_pdf_file(request: Any) -> Any:
    output = outputs.render_pdf(request.db, get_document(request))
    return _file(request, output)


@view_config(
    route_name="sales_document_finvoice",
    request_method="GET",
    renderer=PAGE,
    permission=AccountingPermission.DOCUMENT_VIEW,
)
def document_finvoice_file(request: Any) -> Any:
    doc = get_document(request)
    if doc.kind not in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE):
        raise HTTPNotFound()
    try:
        output = outputs.render_finvoice(request.db, doc)
    except FinvoiceError as missing:
        request.response.status_int = 400
        why = request.localizer.translate(missing.message)
        return page_data(request, doc, error=_(NO_FINVOICE, mapping={"why": why}))
    return _file(request, output)


def _file(request: Any, output: outputs.OutputFile) -> Response:
    response = Response(body=output.data, content_type=output.content_type)
    response.content_disposition = f'attachment; filename="{output.filename}"'
    return response
