"""Fixtures of the campaigns tests: Acme with customers to target, and Beta, another tenant.

Acme (campaigns, hence workflow and contacts) has Maija and Pekka in team
"Myynti", Anna (admin) outside it, and six customers: four in Helsinki (two
with contact persons who consented to marketing), two in Tampere. Beta has a
campaign, a customer, a stage and a user whose ids the tests put into Acme's
URLs and forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from core.db import TenantSession, all_tenants, set_tenant
from core.jobs.outbox import QUEUE_KEY
from core.models import Job, JobState, Role, Team, Tenant, User
from plugins.campaigns.batches import LAUNCH_BATCH
from plugins.campaigns.models import Campaign
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import Stage, Workflow


@dataclass
class Shop:
    tenant: Tenant
    team: Team
    users: dict[str, User]
    workflow: Workflow
    stages: dict[str, Stage]
    customers: dict[str, Customer] = field(default_factory=dict)
    people: dict[str, ContactPerson] = field(default_factory=dict)


def stages_of(db: Any, tenant: Tenant) -> tuple[Workflow, dict[str, Stage]]:
    with all_tenants(db):
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == tenant.id))
        found = db.scalars(select(Stage).where(Stage.workflow_id == workflow.id))
        return workflow, {s.name["en"].lower(): s for s in found}


def add_customer(
    db: Any,
    shop: Shop,
    name: str,
    city: str,
    person: str = "",
    consent: bool = False,
    **values: Any,
) -> Customer:
    with all_tenants(db):
        customer = Customer(
            tenant_id=shop.tenant.id, name=name, visiting_address={"city": city}, **values
        )
        db.add(customer)
        db.flush()
        shop.customers[name] = customer
        if person:
            contact = ContactPerson(
                tenant_id=shop.tenant.id,
                customer_id=customer.id,
                name=person,
                title="Toimitusjohtaja",
                email=f"{person.split()[0].lower()}@example.fi",
                marketing_consent=consent,
            )
            db.add(contact)
            db.flush()
            shop.people[person] = contact
    return customer


def make_shop(
    db: Any, make_tenant: Any, make_user: Any, slug: str, plugins: tuple = ("campaigns",)
) -> Shop:
    tenant = make_tenant(slug, f"{slug.title()} Oy", plugins=plugins)
    with all_tenants(db):
        team = Team(tenant_id=tenant.id, name="Myynti")
        db.add(team)
        db.flush()
    users = {
        "maija": make_user(f"maija@{slug}.example", tenant=tenant, name="Maija", teams=(team,)),
        "pekka": make_user(f"pekka@{slug}.example", tenant=tenant, name="Pekka", teams=(team,)),
        "anna": make_user(f"anna@{slug}.example", tenant=tenant, role=Role.ADMIN, name="Anna"),
    }
    workflow, stages = stages_of(db, tenant)
    return Shop(tenant, team, users, workflow, stages)


@pytest.fixture
def acme(db, make_tenant, make_user) -> Shop:
    shop = make_shop(db, make_tenant, make_user, "acme", ("campaigns", "custom_fields"))
    add_customer(db, shop, "Aalto Oy", "Helsinki", "Aino Aalto", consent=True)
    add_customer(db, shop, "Bertta Oy", "Helsinki", "Bo Bertta", consent=False)
    add_customer(db, shop, "Cedar Oy", "helsinki", "Cecilia Cedar", consent=True)
    add_customer(
        db, shop, "Delta Oy", "Helsinki", responsible_user_id=shop.users["pekka"].id, language="sv"
    )
    add_customer(db, shop, "Eetu Oy", "Tampere")
    add_customer(db, shop, "Fanni Oy", "Tampere", industry="Rakentaminen")
    return shop


@pytest.fixture
def beta(db, make_tenant, make_user) -> Shop:
    shop = make_shop(db, make_tenant, make_user, "beta")
    add_customer(db, shop, "Beta Asiakas Oy", "Helsinki")
    with all_tenants(db):
        campaign = Campaign(
            tenant_id=shop.tenant.id,
            name="Beetan kampanja",
            workflow_id=shop.workflow.id,
            stage_id=shop.stages["new"].id,
            task_title="{customer}",
            filters={},
        )
        db.add(campaign)
        db.flush()
    shop.campaign = campaign
    return shop


@pytest.fixture
def as_maija(webapp, acme, login) -> Shop:
    login(webapp, "maija@acme.example")
    return acme


def new_campaign(db: Any, shop: Shop, **values: Any) -> Campaign:
    """A draft campaign of ``shop`` made directly (the form has tests of its own)."""
    set_tenant(db, shop.tenant.id)
    campaign = Campaign(
        name=values.pop("name", "Kevätkampanja"),
        workflow_id=shop.workflow.id,
        stage_id=shop.stages["new"].id,
        task_title=values.pop("task_title", "{campaign}: {customer}"),
        owner_user_id=shop.users["maija"].id,
        filters=values.pop("filters", {"city": "Helsinki"}),
        **values,
    )
    db.add(campaign)
    db.flush()
    return campaign


def pending_batches(db: Any, tenant: Tenant) -> list[Job]:
    with all_tenants(db):
        return list(
            db.scalars(
                select(Job)
                .where(
                    Job.tenant_id == tenant.id,
                    Job.name == LAUNCH_BATCH,
                    Job.state == JobState.PENDING,
                )
                .order_by(Job.id)
            )
        )


def run_batches(db_connection: Any, wsgi: Any, tenant: Tenant, limit: int = 100) -> int:
    """Run the tenant's pending launch batches as the worker does, in the test's transaction.

    Each job runs in a session of its own, working as the tenant, and is marked
    done with its work; a batch that starts the next one is followed. Returns
    how many batches ran.
    """
    queue = wsgi.registry.myynti_jobs
    ran = 0
    while ran < limit:
        session = TenantSession(
            bind=db_connection, join_transaction_mode="create_savepoint", info={QUEUE_KEY: queue}
        )
        try:
            jobs = pending_batches(session, tenant)
            if not jobs:
                return ran
            job = jobs[0]
            set_tenant(session, tenant.id)
            worker_tenant = session.get(Tenant, tenant.id)
            queue.job_types[job.name].job.run(db=session, tenant=worker_tenant, payload=job.payload)
            with all_tenants(session):
                job.state = JobState.DONE
            session.flush()
            session.commit()
            ran += 1
        finally:
            session.close()
    return ran
