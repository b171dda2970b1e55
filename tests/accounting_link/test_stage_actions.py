"""Stage actions: entering a stage makes a quote, an order or an invoice of the task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.models import Event, Tenant
from plugins.accounting_link.documents import DocumentRefused
from plugins.accounting_link.models import DocumentKind, SalesDocument
from plugins.accounting_link.stage_actions import action_key, create_from_task, stage_actions
from plugins.workflow.models import Stage, StageActionBinding
from plugins.workflow.moves import RUN_STAGE_ACTIONS
from tests.accounting_link.conftest import add_task, job_session


def test_the_plugin_offers_quote_order_and_invoice_actions():
    assert [a.key for a in stage_actions()] == [
        "accounting_link.create_quote",
        "accounting_link.create_order",
        "accounting_link.create_invoice",
    ]


def test_a_quote_from_the_task_has_its_value_and_responsible_person(db, shop):
    (quote_action,) = [a for a in stage_actions() if a.key == action_key(DocumentKind.QUOTE)]
    quote_action.run(db=db, tenant=shop.tenant, task=shop.task, options={})

    (quote,) = [d for d in _docs(db) if d.kind == "quote"]
    assert (quote.task_id, quote.salesperson_user_id) == (shop.task.id, shop.maija.id)
    assert [(ln.description, ln.unit_price) for ln in quote.lines] == [
        ("Toimistoremontti", Decimal("1200.0000"))
    ]
    assert quote.gross_total == Decimal("1506.00")


def test_an_invoice_from_product_codes_gets_lines_and_a_reference(db, shop):
    invoice = create_from_task(
        db, shop.task, DocumentKind.INVOICE, {"products": "ASENNUS:10, KAHVI"}
    )
    assert [(ln.description, ln.quantity) for ln in invoice.lines] == [
        ("Asennustyö", Decimal("10.000")),
        ("Kahvipaketti", Decimal("1.000")),
    ]
    assert invoice.reference


def test_an_action_on_a_task_without_a_usable_customer_fails_with_the_reason(db, shop):
    task = add_task(db, shop.tenant, shop.no_address, shop.maija, "Kahvila")
    with pytest.raises(DocumentRefused) as refused:
        create_from_task(db, task, DocumentKind.INVOICE, {})
    assert "no billing address" in refused.value.message
    with pytest.raises(DocumentRefused):
        create_from_task(db, shop.task, DocumentKind.QUOTE, {"products": "EIOLE"})


def _docs(db) -> list[SalesDocument]:
    return list(db.scalars(select(SalesDocument)))


def test_entering_a_stage_with_the_action_makes_the_quote_through_workflows_job(
    db, db_connection, wsgi_app, shop
):
    with all_tenants(db):
        stage = db.get(Stage, shop.task.stage_id)
        db.add(
            StageActionBinding(
                tenant_id=shop.tenant.id, stage_id=stage.id, action_key=action_key("quote")
            )
        )
        db.flush()
    session = job_session(db_connection, wsgi_app)
    set_tenant(session, shop.tenant.id)
    tenant = session.get(Tenant, shop.tenant.id)
    job = wsgi_app.registry.myynti_jobs.job_types[RUN_STAGE_ACTIONS].job
    job.run(db=session, tenant=tenant, payload={"task_id": shop.task.id, "stage_id": stage.id})
    session.commit()

    set_tenant(db, shop.tenant.id)
    (quote,) = _docs(db)
    assert (quote.kind, quote.task_id, quote.salesperson_user_id) == (
        "quote",
        shop.task.id,
        shop.maija.id,
    )
    with all_tenants(db):
        outcome = db.scalars(
            select(Event.kind).where(Event.entity == "task", Event.kind.like("stage_action%"))
        ).all()
    assert outcome == ["stage_action_done"]
