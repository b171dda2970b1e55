"""Set-up shared by the contact-request tests: two tenants with teams, admins and members."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.models import Event, Role, Team


def two_tenants(db: Any, make_tenant: Any, make_user: Any) -> SimpleNamespace:
    """Alpha (a sales team of Anna and Pekka, Olli outside it, an admin) and Beta."""
    alpha = make_tenant("alpha", "Alpha Oy", plugins=("contacts",))
    beta = make_tenant("beta", "Beta Ab", plugins=("contacts",))
    with all_tenants(db):
        sales = Team(tenant_id=alpha.id, name="Myynti")
        support = Team(tenant_id=alpha.id, name="Tuki")
        beta_team = Team(tenant_id=beta.id, name="Beta sales")
        db.add_all([sales, support, beta_team])
        db.flush()
    world = SimpleNamespace(
        alpha=alpha, beta=beta, sales=sales, support=support, beta_team=beta_team
    )
    world.admin = make_user("admin@alpha.example", tenant=alpha, role=Role.ADMIN, name="Aila Admin")
    world.anna = make_user("anna@alpha.example", tenant=alpha, name="Anna Myyjä", teams=(sales,))
    world.pekka = make_user("pekka@alpha.example", tenant=alpha, name="Pekka Myyjä", teams=(sales,))
    world.olli = make_user("olli@alpha.example", tenant=alpha, name="Olli Tuki", teams=(support,))
    world.beta_admin = make_user(
        "admin@beta.example", tenant=beta, role=Role.ADMIN, name="Bea Admin"
    )
    world.bertta = make_user("bertta@beta.example", tenant=beta, name="Bertta", teams=(beta_team,))
    return world


def rows(db: Any, tenant: Any, model: type, *where: Any) -> list[Any]:
    """The tenant's rows of ``model`` as now stored (not as cached), oldest first."""
    db.expire_all()
    set_tenant(db, tenant.id)
    return list(db.scalars(select(model).where(*where).order_by(model.id)))


def fresh(db: Any, tenant: Any, model: type, record_id: int) -> Any:
    """One row as now stored.

    The app's requests run in the test's transaction and leave their own tenant
    setting in it (PostgreSQL), so the test works as ``tenant`` again first.
    """
    db.expire_all()
    set_tenant(db, tenant.id)
    return db.get(model, record_id)


def count_all(db: Any, model: type) -> int:
    """Rows of ``model`` in every tenant: proof that nothing was written anywhere."""
    with all_tenants(db):
        return db.scalar(select(func.count()).select_from(model))


def events(db: Any, tenant: Any, entity: str, record_id: int) -> list[Event]:
    set_tenant(db, tenant.id)
    return list(
        db.scalars(
            select(Event)
            .where(Event.entity == entity, Event.record_id == record_id)
            .order_by(Event.id)
        )
    )


def kinds(db: Any, tenant: Any, entity: str, record_id: int) -> list[str]:
    return [e.kind for e in events(db, tenant, entity, record_id)]
