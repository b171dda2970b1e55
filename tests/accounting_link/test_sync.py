"""Transfers to the accounting backend: queued on send, idempotent, a failure shown and retried;
payments brought back by the periodic sync. The backend is the bookkeeper test plugin's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.credentials import encrypt
from core.db import all_tenants, set_tenant
from core.jobs import enqueue
from core.models import Job
from plugins.accounting_link.backends import RemotePayment
from plugins.accounting_link.documents import settings_of
from plugins.accounting_link.flow import take_step
from plugins.accounting_link.models import CustomerLink, SalesDocument
from plugins.accounting_link.sync import PUSH, SYNC, push_job, sync_all
from tests.accounting_link.bookkeeper import REMOTE
from tests.accounting_link.conftest import job_session, make_doc, run_jobs


def choose_bookkeeper(db, shop, app_settings) -> None:
    set_tenant(db, shop.tenant.id)
    settings = settings_of(db)
    settings.backend = "bookkeeper"
    settings.backend_config = {"password": encrypt(app_settings, "salasana")}
    db.flush()


def queue_syncs(db_connection, wsgi) -> int:
    """The periodic job, as the scheduler runs it."""
    session = job_session(db_connection, wsgi)
    try:
        queued = sync_all(session)
        session.commit()
    finally:
        session.close()
    return queued


def send(app, doc):
    page = app.get(f"/t/acme/sales/documents/{doc.id}")
    return page.forms["step-send"].submit().follow()


def fresh(db, doc) -> SalesDocument:
    set_tenant(db, doc.tenant_id)
    db.expire_all()
    return db.get(SalesDocument, doc.id)


def test_sending_an_invoice_transfers_it_once_with_its_customer(
    db, db_connection, booked, bookkeeper_app, bookkeeper_wsgi
):
    shop = booked
    choose_bookkeeper(db, shop, bookkeeper_wsgi.registry.settings)
    doc = make_doc(db, shop)
    send(bookkeeper_app, doc)
    assert fresh(db, doc).sync_state == "pending"

    assert run_jobs(db_connection, bookkeeper_wsgi, shop.tenant, PUSH) == 1

    doc = fresh(db, doc)
    assert (doc.sync_state, doc.external_id) == ("synced", "I1")
    assert REMOTE.invoices == {"I1": doc.number}
    assert REMOTE.customers == {"C1": "Rakennus Virtanen Oy"}
    assert REMOTE.secrets == {"password": "salasana"}  # decrypted for the connection only
    # The job running again (a lost acknowledgement) books nothing twice.
    session = job_session(db_connection, bookkeeper_wsgi)
    set_tenant(session, shop.tenant.id)
    push_job(session, session.get(type(shop.tenant), shop.tenant.id), {"document_id": doc.id})
    session.commit()
    assert len(REMOTE.invoices) == 1


def test_a_push_that_reached_the_backend_before_a_crash_is_found_not_repeated(
    db, db_connection, booked, bookkeeper_wsgi
):
    shop = booked
    choose_bookkeeper(db, shop, bookkeeper_wsgi.registry.settings)
    doc = make_doc(db, shop)
    REMOTE.invoices["I7"] = doc.number  # pushed, but the job's commit was lost
    doc.sync_state = "pending"
    db.flush()
    session = job_session(db_connection, bookkeeper_wsgi)
    set_tenant(session, shop.tenant.id)
    enqueue(session, shop.tenant.id, PUSH, {"document_id": doc.id})
    session.commit()

    run_jobs(db_connection, bookkeeper_wsgi, shop.tenant, PUSH)

    assert fresh(db, doc).external_id == "I7"
    assert "push_invoice" not in REMOTE.calls


def test_a_refused_transfer_is_shown_on_the_document_and_retried(
    db, db_connection, booked, bookkeeper_app, bookkeeper_wsgi
):
    shop = booked
    choose_bookkeeper(db, shop, bookkeeper_wsgi.registry.settings)
    doc = make_doc(db, shop)
    REMOTE.refuse = "Asiakkaan Y-tunnus puuttuu"
    send(bookkeeper_app, doc)
    run_jobs(db_connection, bookkeeper_wsgi, shop.tenant, PUSH)

    page = bookkeeper_app.get(f"/t/acme/sales/documents/{doc.id}")
    assert "Asiakkaan Y-tunnus puuttuu" in page.html.select_one(".sync-failed").get_text()
    task_page = bookkeeper_app.get(f"/t/acme/tasks/{shop.task.id}")
    assert task_page.html.select_one("[data-panel=accounting-task-documents] .badge.warning")

    REMOTE.refuse = ""
    page.forms[[k for k in page.forms if "sync" in page.forms[k].action][0]].submit().follow()
    run_jobs(db_connection, bookkeeper_wsgi, shop.tenant, PUSH)
    doc = fresh(db, doc)
    assert (doc.sync_state, doc.sync_error, doc.external_id) == ("synced", "", "I1")
    with all_tenants(db):
        links = db.scalars(select(CustomerLink)).all()
    assert [link.external_id for link in links] == ["C1"]


def test_the_periodic_sync_brings_payments_back_once(db, db_connection, booked, bookkeeper_wsgi):
    shop = booked
    choose_bookkeeper(db, shop, bookkeeper_wsgi.registry.settings)
    doc = make_doc(db, shop)
    take_step(db, doc, "send", shop.maija)
    doc.sync_state = "pending"
    db.flush()
    REMOTE.payments["I1"] = [RemotePayment("P1", Decimal("300.00"), date(2026, 3, 9), "Virtanen")]

    assert queue_syncs(db_connection, bookkeeper_wsgi) >= 1
    with all_tenants(db):
        jobs = db.scalars(select(Job.tenant_id).where(Job.name == SYNC)).all()
    assert shop.tenant.id in jobs
    run_jobs(db_connection, bookkeeper_wsgi, shop.tenant, SYNC)
    doc = fresh(db, doc)
    assert (doc.state, doc.settled_total) == ("partly_paid", Decimal("300.00"))

    queue_syncs(db_connection, bookkeeper_wsgi)
    run_jobs(db_connection, bookkeeper_wsgi, shop.tenant, SYNC)
    assert fresh(db, doc).settled_total == Decimal("300.00")
