"""Two tenants with customers, and personal tokens made as the tokens page makes them.

Acme has contacts, workflow and the API: Anna (admin), Maija (member). Beta has
the same plugins and a customer of its own, whose id the tests put into Acme's URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from core.db import set_tenant
from core.models import Role, Tenant, User, utcnow
from plugins.api import tokens
from plugins.contacts.models import Customer

PLUGINS = ("contacts", "workflow", "api")


@dataclass
class Company:
    tenant: Tenant
    admin: User
    member: User
    customers: list[Customer]

    def url(self, path: str) -> str:
        return f"/api/v1/t/{self.tenant.slug}{path}"


def make_token(
    db: Any,
    tenant: Tenant,
    user: User,
    scopes: tuple[str, ...] = ("contacts:read",),
    expires_in: timedelta = timedelta(days=30),
) -> str:
    set_tenant(db, tenant.id)
    _row, token = tokens.generate(db, user, "ERP", scopes, utcnow() + expires_in)
    db.flush()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _company(db: Any, make_tenant: Any, make_user: Any, slug: str, count: int) -> Company:
    tenant = make_tenant(slug, f"{slug.title()} Oy", plugins=PLUGINS)
    admin = make_user(f"anna@{slug}.example", tenant=tenant, role=Role.ADMIN, name="Anna")
    member = make_user(f"maija@{slug}.example", tenant=tenant, name="Maija")
    set_tenant(db, tenant.id)
    customers = [
        Customer(tenant_id=tenant.id, name=f"{slug.title()} asiakas {n:02d}", language="fi")
        for n in range(count)
    ]
    db.add_all(customers)
    db.flush()
    return Company(tenant, admin, member, customers)


@pytest.fixture
def acme(db: Any, make_tenant: Any, make_user: Any) -> Company:
    return _company(db, make_tenant, make_user, "acme", 7)


@pytest.fixture
def beta(db: Any, make_tenant: Any, make_user: Any) -> Company:
    return _company(db, make_tenant, make_user, "beta", 2)
