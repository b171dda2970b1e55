"""Fixtures for tasks, activities, my work and the workflow settings: two tenants.

Acme has the default process the plugin sets up when enabled; Maija (member,
team "Myynti"), Pekka (member, no team) and Anna (admin). Beta is another
tenant with a customer, a contact person, a task and a user of its own, whose
ids the tests put into Acme's URLs and forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.models import Role, Team, Tenant, User
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import ActivityType, Stage, Task, Workflow


@dataclass
class Acme:
    tenant: Tenant
    maija: User
    pekka: User
    anna: User
    team: Team
    customer: Customer
    person: ContactPerson
    other_customer: Customer
    workflow: Workflow
    stages: dict[str, Stage]
    types: dict[str, ActivityType]


@dataclass
class Beta:
    tenant: Tenant
    user: User
    team: Team
    customer: Customer
    person: ContactPerson
    workflow: Workflow
    stage: Stage
    task: Task
    activity_type: ActivityType


def default_stages(db: Any, tenant: Tenant) -> tuple[Workflow, dict[str, Stage]]:
    """The tenant's default workflow and its stages by English name, lower case."""
    with all_tenants(db):
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == tenant.id))
        stages = db.scalars(
            select(Stage).where(Stage.workflow_id == workflow.id).order_by(Stage.position)
        )
        return workflow, {stage.name["en"].lower(): stage for stage in stages}


def activity_types(db: Any, tenant: Tenant) -> dict[str, ActivityType]:
    with all_tenants(db):
        found = db.scalars(select(ActivityType).where(ActivityType.tenant_id == tenant.id))
        return {t.key: t for t in found}


def _customer(db: Any, tenant: Tenant, name: str, person: str) -> tuple[Customer, ContactPerson]:
    with all_tenants(db):
        customer = Customer(tenant_id=tenant.id, name=name)
        db.add(customer)
        db.flush()
        contact = ContactPerson(tenant_id=tenant.id, customer_id=customer.id, name=person)
        db.add(contact)
        db.flush()
    return customer, contact


@pytest.fixture
def acme(db, make_tenant, make_user) -> Acme:
    tenant = make_tenant("acme", "Acme Oy", plugins=("workflow",))
    with all_tenants(db):
        team = Team(tenant_id=tenant.id, name="Myynti")
        db.add(team)
        db.flush()
    maija = make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä", teams=(team,))
    pekka = make_user("pekka@acme.example", tenant=tenant, name="Pekka Puuska")
    anna = make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin")
    customer, person = _customer(db, tenant, "Rakennus Virtanen Oy", "Ville Virtanen")
    other_customer, _other = _customer(db, tenant, "Kahvila Kuppi Oy", "Kaisa Kuppi")
    workflow, stages = default_stages(db, tenant)
    return Acme(
        tenant,
        maija,
        pekka,
        anna,
        team,
        customer,
        person,
        other_customer,
        workflow,
        stages,
        activity_types(db, tenant),
    )


@pytest.fixture
def beta(db, make_tenant, make_user) -> Beta:
    tenant = make_tenant("beta", "Beta Oy", plugins=("workflow",))
    user = make_user("bert@beta.example", tenant=tenant, name="Bert Beta")
    with all_tenants(db):
        team = Team(tenant_id=tenant.id, name="Beta team")
        db.add(team)
        db.flush()
    customer, person = _customer(db, tenant, "Beta Asiakas Oy", "Bea Beta")
    workflow, stages = default_stages(db, tenant)
    with all_tenants(db):
        task = Task(
            tenant_id=tenant.id,
            workflow_id=workflow.id,
            stage_id=stages["new"].id,
            title="Beta salainen tehtävä",
        )
        db.add(task)
        db.flush()
    return Beta(
        tenant,
        user,
        team,
        customer,
        person,
        workflow,
        stages["new"],
        task,
        activity_types(db, tenant)["call"],
    )


@pytest.fixture
def as_maija(webapp, acme, login) -> Acme:
    login(webapp, "maija@acme.example")
    return acme


@pytest.fixture
def as_anna(webapp, acme, login) -> Acme:
    login(webapp, "anna@acme.example")
    return acme


def tasks_of(db: Any, tenant: Tenant) -> list[Task]:
    set_tenant(db, tenant.id)
    fresh = select(Task).order_by(Task.id).execution_options(populate_existing=True)
    return list(db.scalars(fresh))
