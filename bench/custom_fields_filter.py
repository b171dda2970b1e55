"""Customer list filtered on custom fields, at 100,000 customers with 20 fields each.

    python bench/custom_fields_filter.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a scratch database (and a non-superuser role, so row-level security is
on as in production) on the server the URL names, defines 20 customer fields
(choices, dates, numbers, text, yes/no) in one tenant, fills it with
``--customers`` customers (Faker fi_FI) each holding a value in every field,
and a second tenant with a tenth of that. The customers are inserted in bulk,
so their ``custom_value_index`` rows are written with the function the app's
flush listener uses (``value_index.write_index``). Then ``VACUUM ANALYZE``, as
autovacuum would have run by the time such a tenant exists, and times whole
list requests through the WSGI app, unfiltered, filtered on a choice field and
on a date range, and sorted by the date field; prints median, p95 and max per
case.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta

import webtest
from faker import Faker
from sqlalchemy import insert

from core.app import make_config
from core.db import make_engine, make_session_factory, set_tenant
from core.models import Membership, Role, Tenant, TenantPlugin, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase
from plugins.contacts.models import Customer, search_key
from plugins.custom_fields.models import CustomField, FieldType
from plugins.custom_fields.value_index import write_index

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database's user
CLASSES = [f"luokka{n}" for n in range(8)]
FIELDS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL server (superuser)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with PostgresScratchDatabase(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        run(url, args, tmp)


def definitions(tenant_id: int) -> list[CustomField]:
    """20 fields: a choice and a date first (the filtered ones), then a mix of types."""
    kinds = [FieldType.CHOICE, FieldType.DATE] + [
        (FieldType.TEXT, FieldType.INTEGER, FieldType.MONEY, FieldType.YES_NO, FieldType.DATE)[
            n % 5
        ]
        for n in range(FIELDS - 2)
    ]
    return [
        CustomField(
            tenant_id=tenant_id,
            entity="customer",
            key=f"kentta{n}",
            label={"fi": f"Kenttä {n}", "en": f"Field {n}"},
            type=kind,
            choices=[{"value": c, "fi": c, "en": c, "retired": False} for c in CLASSES]
            if kind == FieldType.CHOICE
            else [],
            position=n,
            show_in_list=n < 2,
            filterable=n < 2,
        )
        for n, kind in enumerate(kinds)
    ]


def value_of(field: CustomField, fake: Faker, rng: random.Random) -> object:
    start = date(2026, 1, 1)
    return {
        FieldType.CHOICE: lambda: rng.choice(CLASSES),
        FieldType.DATE: lambda: (start + timedelta(days=rng.randrange(1095))).isoformat(),
        FieldType.TEXT: lambda: fake.catch_phrase(),
        FieldType.INTEGER: lambda: rng.randrange(1, 500),
        FieldType.MONEY: lambda: round(rng.uniform(100, 100_000), 2),
        FieldType.YES_NO: lambda: rng.random() < 0.5,
    }[field.type]()


def fill(factory, slug: str, customers: int, seed: int) -> None:
    fake = Faker("fi_FI")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    with factory.begin() as db:
        tenant = Tenant(slug=slug, name=slug.title(), licence={})
        db.add(tenant)
        db.flush()
        set_tenant(db, tenant.id)
        for plugin in ("contacts", "custom_fields"):
            db.add(TenantPlugin(tenant_id=tenant.id, plugin=plugin, enabled=True))
        user = User(email=f"bench@{slug}.example", password_hash=hash_password(PASSWORD))
        db.add(user)
        db.flush()
        db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
        fields = definitions(tenant.id)
        db.add_all(fields)
        tenant_id = tenant.id
    batch = 5000
    for start in range(0, customers, batch):
        rows = []
        for i in range(start, min(start + batch, customers)):
            name = f"{fake.company()} {i}"
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "kind": "company",
                    "name": name,
                    "name_key": search_key(name),
                    "language": "fi",
                    "visiting_address": {"city": fake.city()},
                    "postal_address": {},
                    "billing_address": {},
                    "custom_values": {f.key: value_of(f, fake, rng) for f in fields},
                    "marketing_consent": False,
                    "version": 1,
                }
            )
        with factory.begin() as db:
            set_tenant(db, tenant_id)
            ids = db.scalars(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows
            )
            values = [row["custom_values"] for row in rows]
            write_index(db.connection(), tenant_id, "customer", zip(ids, values, strict=True))


def run(url: str, args: argparse.Namespace, tmp: str) -> None:
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    factory = make_session_factory(engine)
    t0 = time.perf_counter()
    fill(factory, "bench", args.customers, seed=1)
    fill(factory, "other", args.customers // 10, seed=2)
    print(f"filled in {time.perf_counter() - t0:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        for table in ("customer", "custom_value_index"):
            size = conn.exec_driver_sql(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))")
            print(f"{table} table with indexes: {size.scalar()}")

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

    def date_range() -> dict[str, str]:
        low = date(2026, 1, 1) + timedelta(days=rng.randrange(1000))
        return {"cf_kentta1_from": low.isoformat(), "cf_kentta1_to": str(low + timedelta(days=30))}

    cases = {
        "no filter": lambda: {},
        "choice field": lambda: {"cf_kentta0": rng.choice(CLASSES)},
        "date range (31 days)": date_range,
        "choice + date range": lambda: {"cf_kentta0": rng.choice(CLASSES), **date_range()},
        "sorted by date field": lambda: {"sort": "cf_kentta1"},
    }
    print(
        f"database: {engine.dialect.name}; customers: {args.customers:,} (+{args.customers // 10:,}"
        f" in another tenant); custom fields: {FIELDS} per customer, each with a value"
    )
    for label, params in cases.items():
        times = []
        for _ in range(args.repeat):
            query = params()
            start = time.perf_counter()
            page = client.get("/t/bench/customers", query)
            times.append((time.perf_counter() - start) * 1000)
        assert "customers" in page.text and "data-column" in page.text
        ms = sorted(times)
        print(
            f"{label:24} n={len(ms)} median {statistics.median(ms):6.1f} ms"
            f"  p95 {ms[int(len(ms) * 0.95) - 1]:6.1f} ms  max {ms[-1]:6.1f} ms"
        )


if __name__ == "__main__":
    main()
