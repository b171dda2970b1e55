"""Keeping the accounting backend in step: pushes through the outbox, payments brought back.

A document to transfer is marked *pending* and a ``accounting_link.push`` job
is queued in the same transaction. The job stores each key the backend gives
(the customer's, then the document's) as soon as it has it, and before
pushing a customer or an invoice asks the backend whether it already has one
with our customer number or invoice number: so a job run again after a
crash or a lost answer, or a retry by the user, never books a second one.
A refusal or a timeout marks the document *failed* with the reason, shown on
its page with a retry button.

Every ``SYNC_INTERVAL`` seconds ``accounting_link.sync_all`` queues one
``accounting_link.sync`` per tenant: overdue invoices are marked, what is
pending is pushed, and the payments of transferred invoices are fetched
onto them (each backend payment recorded once, by its key).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select

from core.credentials import CredentialUnreadable, decrypt
from core.db import all_tenants
from core.history import record_event
from core.jobs import enqueue
from core.jobs.outbox import queue_of, tenant_hooks
from core.models import TenantPlugin, utcnow
from plugins.accounting_link.backends import (
    LOCAL_LEDGER,
    AccountingBackend,
    BackendConnection,
    BackendError,
    chosen,
    config_secrets,
)
from plugins.accounting_link.documents import DocumentRefused, settings_of
from plugins.accounting_link.events import SYNC_FAILED
from plugins.accounting_link.flow import UNPAID_STATES, add_payment, mark_overdue
from plugins.accounting_link.models import (
    CustomerLink,
    DocumentKind,
    PaymentSource,
    SalesDocument,
    SyncState,
)
from plugins.contacts.models import Customer

log = logging.getLogger(__name__)

PUSH = "accounting_link.push"
SYNC = "accounting_link.sync"
SYNC_ALL = "accounting_link.sync_all"
SYNC_INTERVAL = 900
REASON_MAX = 1000


def backends(db: Any, tenant: Any) -> list[AccountingBackend]:
    """The backends the tenant's enabled plugins offer, the local ledger first."""
    return tenant_hooks(db, tenant).collect("myynti_accounting_backends")


def tenant_backend(db: Any, tenant: Any) -> AccountingBackend:
    return chosen(backends(db, tenant), settings_of(db).backend) or LOCAL_LEDGER


def connect(db: Any, tenant: Any, backend: AccountingBackend) -> BackendConnection:
    config = settings_of(db).backend_config or {}
    app_settings = queue_of(db).settings
    try:
        secrets = config_secrets(backend, config, lambda token: decrypt(app_settings, token))
    except CredentialUnreadable as exc:
        raise BackendError(str(exc)) from None
    return backend.connect(db=db, config=config, secrets=secrets)


def request_push(db: Any, tenant: Any, doc: SalesDocument) -> bool:
    """Queue the document's transfer if the tenant's backend keeps documents; whether it does."""
    if doc.kind not in (DocumentKind.ORDER, DocumentKind.INVOICE):
        return False
    if not tenant_backend(db, tenant).pushes:
        return False
    doc.sync_state = SyncState.PENDING
    doc.sync_error = ""
    db.flush()
    enqueue(db, tenant, PUSH, {"document_id": doc.id})
    return True


def push_job(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """The job: transfer one document (a no-op once it is transferred)."""
    doc = db.get(SalesDocument, payload["document_id"])
    if doc is None or doc.sync_state == SyncState.SYNCED:
        return
    backend = tenant_backend(db, tenant)
    if not backend.pushes:
        doc.sync_state = SyncState.NONE
        return
    try:
        push_document(db, backend.key, connect(db, tenant, backend), doc)
    except BackendError as exc:
        failed(db, doc, str(exc))


def push_document(
    db: Any, backend_key: str, connection: BackendConnection, doc: SalesDocument
) -> None:
    customer = db.get(Customer, doc.customer_id)
    link = db.scalar(
        select(CustomerLink).where(
            CustomerLink.backend == backend_key, CustomerLink.customer_id == customer.id
        )
    )
    if link is None:
        link = CustomerLink(
            backend=backend_key,
            customer_id=customer.id,
            external_id=connection.push_customer(customer),
        )
        db.add(link)
        db.flush()
    if doc.external_id is None and doc.kind == DocumentKind.INVOICE:
        doc.external_id = connection.find_invoice(doc.number)
    if doc.external_id is None:
        push = (
            connection.push_invoice if doc.kind == DocumentKind.INVOICE else connection.push_order
        )
        doc.external_id = push(doc, link.external_id)
    doc.sync_state = SyncState.SYNCED
    doc.sync_error = ""
    doc.synced_at = utcnow()
    db.flush()


def failed(db: Any, doc: SalesDocument, reason: str) -> None:
    doc.sync_state = SyncState.FAILED
    doc.sync_error = reason[:REASON_MAX]
    db.flush()
    payload = {
        "document_id": doc.id,
        "document_kind": doc.kind,
        "number": doc.number,
        "state": doc.state,
        "reason": doc.sync_error,
    }
    if doc.task_id is not None:
        record_event(db, "task", doc.task_id, SYNC_FAILED, payload)
    record_event(db, "customer", doc.customer_id, SYNC_FAILED, payload)


def sync_job(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """The per-tenant sync: overdue invoices, pending pushes, payments from the backend."""
    mark_overdue(db, date.today())
    backend = tenant_backend(db, tenant)
    if not backend.pushes:
        return
    try:
        connection = connect(db, tenant, backend)
    except BackendError as exc:
        log.info("accounting sync of tenant %s cannot connect: %s", tenant.id, exc)
        return
    pending = db.scalars(select(SalesDocument).where(SalesDocument.sync_state == SyncState.PENDING))
    for doc in list(pending):
        try:
            push_document(db, backend.key, connection, doc)
        except BackendError as exc:
            failed(db, doc, str(exc))
    fetch_payments(db, connection)


def fetch_payments(db: Any, connection: BackendConnection) -> int:
    """Record the backend's payments of transferred unpaid invoices; how many were new."""
    open_invoices = {
        doc.external_id: doc
        for doc in db.scalars(
            select(SalesDocument).where(
                SalesDocument.kind == DocumentKind.INVOICE,
                SalesDocument.state.in_(UNPAID_STATES),
                SalesDocument.external_id.is_not(None),
            )
        )
    }
    if not open_invoices:
        return 0
    try:
        statuses = connection.fetch_statuses(sorted(open_invoices))
    except BackendError as exc:
        log.info("fetching payments failed: %s", exc)
        return 0
    added = 0
    for status in statuses:
        doc = open_invoices.get(status.external_id)
        for payment in status.payments if doc is not None else ():
            try:
                with db.begin_nested():
                    found = add_payment(
                        db,
                        doc,
                        payment.amount,
                        payment.paid_on,
                        source=PaymentSource.BACKEND,
                        external_id=payment.external_id,
                        payer=payment.payer,
                    )
            except DocumentRefused:
                log.info("payment %s of invoice %s does not fit", payment.external_id, doc.number)
                continue
            added += found is not None
    return added


def sync_all(db: Any) -> int:
    """The periodic job: one sync per tenant with the plugin enabled; how many were queued."""
    with all_tenants(db):
        tenant_ids = list(
            db.scalars(
                select(TenantPlugin.tenant_id).where(
                    TenantPlugin.plugin == "accounting_link", TenantPlugin.enabled
                )
            )
        )
        for tenant_id in tenant_ids:
            enqueue(db, tenant_id, SYNC)
    return len(tenant_ids)
