"""Customer register at size: search and the list's first page, server side.

    python bench/contacts_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a scratch database (and a non-superuser role, so row-level security is
on as in production) on the server the URL names, fills one tenant with
``--customers`` customers and twice as many contact persons (Faker fi_FI), a
second tenant with a tenth of that, then times the searches through the WSGI
app (the whole request): the customer list's and the top bar's search over
every entity (``/search``). Prints median, p95 and max per case.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

import webtest
from faker import Faker
from sqlalchemy import insert, select

from core.app import make_config
from core.db import make_engine, make_session_factory, set_tenant
from core.forms import normalised_phone
from core.models import Membership, Role, Tenant, TenantPlugin, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase
from plugins.contacts.models import ContactPerson, Customer, search_key

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database's user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL server (superuser)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with PostgresScratchDatabase(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        run(url, args, tmp)


def fill(factory, slug: str, customers: int, seed: int) -> tuple[int, list[Customer]]:
    fake = Faker("fi_FI")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    with factory.begin() as db:
        tenant = Tenant(slug=slug, name=slug.title(), licence={})
        db.add(tenant)
        db.flush()
        set_tenant(db, tenant.id)
        db.add(TenantPlugin(tenant_id=tenant.id, plugin="contacts", enabled=True))
        user = User(email=f"bench@{slug}.example", password_hash=hash_password(PASSWORD))
        db.add(user)
        db.flush()
        db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
        tenant_id = tenant.id
    phones = [fake.phone_number() for _ in range(500)]
    batch = 5000
    for start in range(0, customers, batch):
        rows = []
        for i in range(start, min(start + batch, customers)):
            domain = fake.domain_name()
            phone = rng.choice(phones)
            name, email = f"{fake.company()} {i}", f"info{i}@{domain}"
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "kind": "company",
                    "name": name,
                    "name_key": search_key(name),
                    "business_id": fake.company_business_id(),
                    "email": email,
                    "email_key": search_key(email),
                    "phone": phone,
                    "phone_digits": normalised_phone(phone),
                    "language": "fi",
                    "visiting_address": {"city": fake.city()},
                    "postal_address": {},
                    "billing_address": {},
                    "custom_values": {},
                    "marketing_consent": False,
                    "version": 1,
                }
            )
        with factory.begin() as db:
            set_tenant(db, tenant_id)
            ids = db.scalars(insert(Customer).returning(Customer.id), rows).all()
            db.execute(
                insert(ContactPerson),
                [
                    {
                        "tenant_id": tenant_id,
                        "customer_id": cid,
                        "name": person,
                        "name_key": search_key(person),
                        "email": f"p{cid}-{n}@example.fi",
                        "email_key": f"p{cid}-{n}@example.fi",
                        "language": "fi",
                        "marketing_consent": False,
                        "custom_values": {},
                        "version": 1,
                    }
                    for cid in ids
                    for n in range(2)
                    for person in [fake.name()]
                ],
            )
    with factory() as db:
        set_tenant(db, tenant_id)
        sample = list(db.scalars(select(Customer).order_by(Customer.id).limit(200)))
    return tenant_id, sample


def run(url: str, args: argparse.Namespace, tmp: str) -> None:
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    factory = make_session_factory(engine)
    t0 = time.perf_counter()
    _tenant_id, sample = fill(factory, "bench", args.customers, seed=1)
    fill(factory, "other", args.customers // 10, seed=2)
    print(f"filled in {time.perf_counter() - t0:.0f} s")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")

    app = make_config(
        {"myynti.data_dir": tmp, "myynti.secret": "bench" * 10, "myynti.worker_threads": "0"},
        registry=registry,
        engine=engine,
    ).make_wsgi_app()
    client = webtest.TestApp(app)
    form = client.get("/login").forms["login-form"]
    form["email"], form["password"] = "bench@bench.example", PASSWORD
    form.submit()

    rng = random.Random(3)
    customers, search = "/t/bench/customers", "/t/bench/search"
    cases = {
        "first page of the list": (customers, lambda: {}),
        "name prefix": (customers, lambda: {"q": rng.choice(sample).name[:5]}),
        "business ID": (customers, lambda: {"q": rng.choice(sample).business_id}),
        "e-mail": (customers, lambda: {"q": rng.choice(sample).email}),
        "contact person name": (customers, lambda: {"q": "Virtanen"}),
        "top bar, name prefix": (search, lambda: {"q": rng.choice(sample).name[:5]}),
        "top bar, a later word": (search, lambda: {"q": rng.choice(sample).name.split()[-1]}),
        "top bar, no match": (search, lambda: {"q": "Qxzq"}),
    }
    print(
        f"database: {engine.dialect.name}; customers: {args.customers:,} (+{args.customers // 10:,}"
        f" in another tenant); contact persons: {args.customers * 2:,}"
    )
    for label, (path, params) in cases.items():
        times = []
        for _ in range(args.repeat):
            query = params()
            start = time.perf_counter()
            page = client.get(path, query)
            times.append((time.perf_counter() - start) * 1000)
        assert page.status_int == 200
        ms = sorted(times)
        print(
            f"{label:24} n={len(ms)} median {statistics.median(ms):6.1f} ms"
            f"  p95 {ms[int(len(ms) * 0.95) - 1]:6.1f} ms  max {ms[-1]:6.1f} ms"
        )


if __name__ == "__main__":
    main()
