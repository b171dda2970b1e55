"""Fixtures for sales documents: two tenants with the plugin, customers, a task, products.

Acme (accounting_link enabled, so Finland's VAT rates are seeded) has Maija
(member, the task's responsible person), Anna (admin), a customer with a
billing address, one without, a task of the first, and two products. Beta
is another tenant with a document of its own, whose ids the tests put into
Acme's URLs. Gamma has workflow but not this plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import webtest
from sqlalchemy import select

from core import testing
from core.app import make_config
from core.db import TenantSession, all_tenants, set_tenant
from core.jobs.outbox import QUEUE_KEY
from core.licensing import enable_plugin
from core.models import Role, Tenant, User
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction
from plugins.accounting_link import plugin as accounting_plugin
from plugins.accounting_link.documents import DocumentInput, LineInput, create_document
from plugins.accounting_link.models import DocumentKind, Product, SalesDocument, VatRate
from plugins.contacts import plugin as contacts_plugin
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow import plugin as workflow_plugin
from plugins.workflow.models import Stage, Task, Workflow
from tests.accounting_link.bookkeeper import REMOTE, SENT
from tests.accounting_link.bookkeeper import plugin as bookkeeper_plugin

DAY = date(2026, 3, 2)
BILLING = {"street": "Teollisuuskatu 1", "postcode": "00510", "city": "Helsinki", "country": "FI"}


@dataclass
class Shop:
    tenant: Tenant
    maija: User
    anna: User
    customer: Customer
    person: ContactPerson
    no_address: Customer
    task: Task
    products: dict[str, Product]
    rates: dict[str, VatRate]

    def rate(self, percent: str) -> VatRate:
        return self.rates[percent]


def rates_of(db: Any, tenant: Tenant) -> dict[str, VatRate]:
    """The tenant's VAT rates by percentage ("25.50", "14.00", ...)."""
    with all_tenants(db):
        found = db.scalars(select(VatRate).where(VatRate.tenant_id == tenant.id))
        return {str(rate.percent): rate for rate in found}


def first_stage(db: Any, tenant: Tenant) -> Stage:
    with all_tenants(db):
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == tenant.id))
        return db.scalar(
            select(Stage).where(Stage.workflow_id == workflow.id).order_by(Stage.position)
        )


def add_task(db: Any, tenant: Tenant, customer: Customer, user: User, title: str) -> Task:
    stage = first_stage(db, tenant)
    with all_tenants(db):
        task = Task(
            tenant_id=tenant.id,
            workflow_id=stage.workflow_id,
            stage_id=stage.id,
            title=title,
            customer_id=customer.id,
            responsible_user_id=user.id,
            expected_value=Decimal("1200.00"),
        )
        db.add(task)
        db.flush()
    return task


def add_customer(db: Any, tenant: Tenant, name: str, **values: Any) -> Customer:
    with all_tenants(db):
        customer = Customer(tenant_id=tenant.id, name=name, **values)
        db.add(customer)
        db.flush()
    return customer


@pytest.fixture
def shop(db, make_tenant, make_user) -> Shop:
    tenant = make_tenant("acme", "Acme Oy", plugins=("accounting_link",))
    maija = make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    anna = make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin")
    customer = add_customer(
        db,
        tenant,
        "Rakennus Virtanen Oy",
        business_id="0112038-9",
        email="laskut@virtanen.example",
        billing_address=BILLING,
    )
    with all_tenants(db):
        person = ContactPerson(
            tenant_id=tenant.id,
            customer_id=customer.id,
            name="Ville Virtanen",
            email="ville@virtanen.example",
        )
        db.add(person)
        db.flush()
    no_address = add_customer(db, tenant, "Kahvila Kuppi Oy")
    task = add_task(db, tenant, customer, maija, "Toimistoremontti")
    with all_tenants(db):
        products = {
            "ASENNUS": Product(
                tenant_id=tenant.id,
                code="ASENNUS",
                name={"fi": "Asennustyö", "sv": "Installationsarbete", "en": "Installation"},
                unit="h",
                unit_price=Decimal("68.00"),
                vat_class="standard",
            ),
            "KAHVI": Product(
                tenant_id=tenant.id,
                code="KAHVI",
                name={"fi": "Kahvipaketti", "sv": "Kaffepaket", "en": "Coffee"},
                unit="kpl",
                unit_price=Decimal("7.90"),
                vat_class="reduced",
            ),
        }
        db.add_all(products.values())
        db.flush()
    set_tenant(db, tenant.id)
    return Shop(
        tenant, maija, anna, customer, person, no_address, task, products, rates_of(db, tenant)
    )


def line(
    shop: Shop, quantity: str, price: str, percent: str = "25.50", discount: str = "0"
) -> LineInput:
    return LineInput(
        description="Asennustyö",
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        vat_rate_id=shop.rate(percent).id,
        unit="h",
        discount_percent=Decimal(discount),
    )


def make_doc(
    db: Any, shop: Shop, kind: str = DocumentKind.INVOICE, lines: list[LineInput] | None = None
) -> SalesDocument:
    set_tenant(db, shop.tenant.id)
    data = DocumentInput(
        customer=shop.customer,
        task_id=shop.task.id,
        salesperson_user_id=shop.maija.id,
        document_date=DAY,
        lines=lines or [line(shop, "10", "68.00"), line(shop, "3", "7.90", "13.50")],
    )
    return create_document(db, kind, data, shop.maija)


@pytest.fixture
def beta_doc(db, make_tenant, make_user) -> SalesDocument:
    """Another tenant's invoice (and its customer and task)."""
    tenant = make_tenant("beta", "Beta Oy", plugins=("accounting_link",))
    bert = make_user("bert@beta.example", tenant=tenant, name="Bert Beta")
    customer = add_customer(db, tenant, "Beta Asiakas Oy", billing_address=BILLING)
    task = add_task(db, tenant, customer, bert, "Beta salainen")
    rates = rates_of(db, tenant)
    set_tenant(db, tenant.id)
    data = DocumentInput(
        customer=customer,
        task_id=task.id,
        document_date=DAY,
        lines=[LineInput("Salaista", Decimal("1"), Decimal("100"), vat_rate_id=rates["25.50"].id)],
    )
    doc = create_document(db, DocumentKind.INVOICE, data, bert)
    db.flush()
    return doc


@pytest.fixture
def as_maija(webapp, shop, login) -> Shop:
    login(webapp, "maija@acme.example")
    return shop


@pytest.fixture
def as_anna(webapp, shop, login) -> Shop:
    login(webapp, "anna@acme.example")
    return shop


# --- an app with the bookkeeper plugin: a backend and a messenger ------------------


@pytest.fixture(scope="module")
def bookkeeper_registry() -> PluginRegistry:
    return PluginRegistry(
        [CORE_PLUGIN, contacts_plugin, workflow_plugin, accounting_plugin, bookkeeper_plugin]
    )


@pytest.fixture(scope="module")
def bookkeeper_wsgi(app_settings, bookkeeper_registry, db_engine) -> Any:
    return make_config(app_settings, registry=bookkeeper_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def bookkeeper_app(bookkeeper_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    REMOTE.reset()
    SENT.clear()
    with app_in_transaction(bookkeeper_wsgi, db_connection) as app:
        yield app


@pytest.fixture
def booked(db, shop, bookkeeper_registry, bookkeeper_app, login) -> Shop:
    """Acme with the bookkeeper plugin too, Anna (admin) signed in to ``bookkeeper_app``."""
    enable_plugin(db, bookkeeper_registry, shop.tenant, "bookkeeper")
    db.flush()
    login(bookkeeper_app, "anna@acme.example")
    return shop


def job_session(db_connection: Any, wsgi: Any) -> TenantSession:
    """A session as a worker has, inside the test's transaction."""
    return TenantSession(
        bind=db_connection,
        join_transaction_mode="create_savepoint",
        info={QUEUE_KEY: wsgi.registry.myynti_jobs},
    )


def run_jobs(db_connection: Any, wsgi: Any, tenant: Tenant, name: str) -> int:
    """Run the tenant's due jobs called ``name`` as the worker would; how many ran.

    ``core.testing.run_jobs`` in a session of ``wsgi``'s queue (the test's app
    may carry a plugin of its own, as the bookkeeper one does).
    """
    session = job_session(db_connection, wsgi)
    try:
        ran = testing.run_jobs(session, tenant, name)
        session.commit()
    finally:
        session.close()
    return len(ran)
