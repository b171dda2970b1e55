"""Two tenants with closed and open tasks whose dates and values the tests know.

Acme has reports enabled: Maija (member, team "Myynti" with Minna), Pekka
(member, no team), Anna (admin). Beta is another tenant with a user, a team,
a customer and a won task of its own, whose ids the tests put into Acme's URLs.
Tasks are closed in 2026: the tests ask for the first half of 2026.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import webtest
from sqlalchemy import select

from core.app import make_config
from core.db import all_tenants
from core.licensing import enable_plugin
from core.models import Role, Team, Tenant, User
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction
from plugins.contacts import plugin as contacts_plugin
from plugins.contacts.models import Customer
from plugins.reports import plugin as reports_plugin
from plugins.workflow import plugin as workflow_plugin
from plugins.workflow.models import Stage, Task, Workflow
from tests.reports.tally import plugin as tally_plugin

HALF = "start=2026-01-01&end=2026-06-30"


@dataclass
class Company:
    tenant: Tenant
    users: dict[str, User]
    team: Team
    customer: Customer
    stages: dict[str, Stage]
    tasks: dict[str, Task] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"/t/{self.tenant.slug}{path}"


def stages_of(db: Any, tenant: Tenant) -> dict[str, Stage]:
    with all_tenants(db):
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == tenant.id))
        found = db.scalars(select(Stage).where(Stage.workflow_id == workflow.id))
        return {stage.name["en"].lower(): stage for stage in found}


def add_task(db: Any, stage: Stage, title: str, **values: Any) -> Task:
    with all_tenants(db):
        task = Task(
            tenant_id=stage.tenant_id,
            workflow_id=stage.workflow_id,
            stage_id=stage.id,
            title=title,
            **values,
        )
        db.add(task)
        db.flush()
    return task


def moment(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=UTC)


def _customer(db: Any, tenant: Tenant, name: str) -> Customer:
    with all_tenants(db):
        customer = Customer(tenant_id=tenant.id, name=name)
        db.add(customer)
        db.flush()
    return customer


def _team(db: Any, tenant: Tenant, name: str) -> Team:
    with all_tenants(db):
        team = Team(tenant_id=tenant.id, name=name)
        db.add(team)
        db.flush()
    return team


def fill_acme(db: Any, tenant: Tenant, make_user: Any) -> Company:
    team = _team(db, tenant, "Myynti")
    users = {
        "maija": make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä", teams=(team,)),
        "minna": make_user(
            "minna@acme.example", tenant=tenant, name="Minna Tiimiläinen", teams=(team,)
        ),
        "pekka": make_user("pekka@acme.example", tenant=tenant, name="Pekka Puuska"),
        "anna": make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin"),
    }
    customer = _customer(db, tenant, "=Rakennus Virtanen Oy")
    stages = stages_of(db, tenant)
    company = Company(tenant, users, team, customer, stages)
    won, lost = stages["won"], stages["lost"]
    maija, minna, pekka = users["maija"].id, users["minna"].id, users["pekka"].id
    specs = {
        # won in January: Maija 1000 (created 10 days before), Pekka 500
        "jan_maija": (won, maija, "1000", moment(2026, 1, 20), moment(2026, 1, 10), None),
        "jan_pekka": (won, pekka, "500", moment(2026, 1, 25), moment(2026, 1, 5), None),
        # March: Minna wins 2000.50, Maija loses one (price)
        "mar_minna": (won, minna, "2000.50", moment(2026, 3, 3), moment(2026, 2, 1), None),
        "mar_lost": (lost, maija, "700", moment(2026, 3, 9), moment(2026, 2, 1), "Hinta"),
        # outside the period
        "old_won": (won, maija, "9999", moment(2025, 12, 1), moment(2025, 11, 1), None),
    }
    for key, (stage, user_id, value, closed, created, reason) in specs.items():
        company.tasks[key] = add_task(
            db,
            stage,
            key,
            responsible_user_id=user_id,
            expected_value=Decimal(value),
            closed_at=closed,
            created_at=created,
            lost_reason=reason,
            team_id=team.id if user_id in (maija, minna) else None,
            customer_id=customer.id if key == "jan_maija" else None,
        )
    opens = {
        "new_maija": (stages["new"], maija, "100", date(2027, 1, 15)),
        "new_pekka": (stages["new"], pekka, "300", None),
        "quote_minna": (stages["quote"], minna, "1000", date(2027, 2, 1)),
    }
    for key, (stage, user_id, value, close) in opens.items():
        company.tasks[key] = add_task(
            db,
            stage,
            key,
            responsible_user_id=user_id,
            expected_value=Decimal(value),
            close_date=close,
            team_id=team.id if user_id != pekka else None,
        )
    return company


@pytest.fixture
def acme(db, make_tenant, make_user) -> Company:
    return fill_acme(db, make_tenant("acme", "Acme Oy", plugins=("reports",)), make_user)


@pytest.fixture
def beta(db, make_tenant, make_user) -> Company:
    tenant = make_tenant("beta", "Beta Oy", plugins=("reports",))
    team = _team(db, tenant, "Beta team")
    user = make_user("bert@beta.example", tenant=tenant, name="Bert Beta", teams=(team,))
    customer = _customer(db, tenant, "Beta Asiakas Oy")
    stages = stages_of(db, tenant)
    company = Company(tenant, {"bert": user}, team, customer, stages)
    company.tasks["secret"] = add_task(
        db,
        stages["won"],
        "Beta salainen kauppa",
        responsible_user_id=user.id,
        expected_value=Decimal("77777"),
        closed_at=moment(2026, 2, 2),
        team_id=team.id,
        customer_id=customer.id,
    )
    return company


@pytest.fixture
def as_maija(webapp, acme, login) -> Company:
    login(webapp, "maija@acme.example")
    return acme


@pytest.fixture
def as_anna(webapp, acme, login) -> Company:
    login(webapp, "anna@acme.example")
    return acme


# --- an app with the tally plugin, which contributes reports ------------------------


@pytest.fixture(scope="module")
def tally_registry() -> PluginRegistry:
    return PluginRegistry(
        [CORE_PLUGIN, contacts_plugin, workflow_plugin, reports_plugin, tally_plugin]
    )


@pytest.fixture(scope="module")
def tally_wsgi(app_settings, tally_registry, db_engine) -> Any:
    return make_config(app_settings, registry=tally_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def tally_app(tally_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    with app_in_transaction(tally_wsgi, db_connection) as app:
        yield app


@pytest.fixture
def tally_acme(db, make_user, tally_registry) -> Company:
    """Acme with reports and tally enabled (in the tally app)."""
    tenant = Tenant(slug="acme", name="Acme Oy", licence={})
    db.add(tenant)
    db.flush()
    for name in ("contacts", "workflow", "reports", "tally"):
        enable_plugin(db, tally_registry, tenant, name)
    db.flush()
    return fill_acme(db, tenant, make_user)
