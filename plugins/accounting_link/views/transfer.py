"""Retrying a document's failed transfer to the accounting system."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from plugins.accounting_link import _, sync
from plugins.accounting_link.models import SyncState
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.views.documents import PAGE, get_document

RETRYING = _("The transfer to the accounting system will be tried again.")


@view_config(
    route_name="sales_document_sync_retry",
    request_method="POST",
    renderer=PAGE,
    permission=AccountingPermission.DOCUMENT_EDIT,
)
def retry_transfer(request: Any) -> Any:
    doc = get_document(request)
    if doc.sync_state == SyncState.FAILED:
        sync.request_push(request.db, request.tenant, doc)
        request.session.flash(request.localizer.translate(RETRYING))
    return HTTPSeeOther(request.route_url("sales_document", id=doc.id))
