"""Time to open the first page of a record's timeline when the record has 10,000 events.

    python bench/timeline.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a throwaway database (dropped afterwards) on the server the URL names,
or a temporary SQLite file without ``--database-url``; fills one tenant with
a record of ``--events`` events among ``--other-records`` records of 200 events
each, and times ``core.history.timeline`` (the query the timeline panel runs)
and the whole history page through the WSGI app, server side.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import webtest
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from core.app import make_config
from core.db import make_engine, make_session_factory, set_tenant
from core.history import COMMENT, timeline
from core.models import Event, Membership, Role, Team, Tenant, TenantPlugin, User
from core.passwords import hash_password
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.schema import upgrade
from tests.history_plugins.records import plugin as records_plugin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a superuser)")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--other-records", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            admin = make_engine(args.database_url, isolation_level="AUTOCOMMIT")
            name = f"myynti_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
            url = make_url(args.database_url).set(database=name).render_as_string(False)
            try:
                run(url, args, tmp)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        else:
            run(f"sqlite:///{tmp}/bench.sqlite", args, tmp)


def run(url: str, args: argparse.Namespace, tmp: str) -> None:
    registry = PluginRegistry([CORE_PLUGIN, records_plugin])
    engine = make_engine(url)
    upgrade(engine, registry)
    factory = make_session_factory(engine)
    with factory.begin() as db:
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.flush()
        set_tenant(db, tenant.id)
        user = User(email="bench@example.com", password_hash=hash_password("benchmark-pass"))
        db.add(user)
        db.flush()
        db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
        teams = [Team(name=f"Team {i}") for i in range(args.other_records + 1)]
        db.add_all(teams)
        db.flush()
        db.add(TenantPlugin(tenant_id=tenant.id, plugin="records", enabled=True))
        target = teams[0]
        start = datetime(2024, 1, 1, tzinfo=UTC)
        rows = [
            dict(
                tenant_id=tenant.id,
                entity="team",
                record_id=team.id,
                kind=COMMENT,
                at=start + timedelta(minutes=i),
                actor_type="system",
                actor_label="",
                payload={"text": f"event {i}"},
            )
            for team in teams
            for i in range(args.events if team is target else 200)
        ]
        for chunk in range(0, len(rows), 5000):
            db.execute(insert(Event), rows[chunk : chunk + 5000])
        target_id = target.id
        tenant_id = tenant.id
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    total = len(rows)

    query_times = []
    for _ in range(args.repeat):
        with factory() as db:
            set_tenant(db, tenant_id)
            t0 = time.perf_counter()
            page = timeline(db, "team", target_id, [COMMENT])
            query_times.append(time.perf_counter() - t0)
    assert len(page.events) == 25

    app = make_config(
        {"myynti.data_dir": tmp, "myynti.secret": "bench" * 10}, registry=registry, engine=engine
    ).make_wsgi_app()
    client = webtest.TestApp(app)
    form = client.get("/login").forms["login-form"]
    form["email"], form["password"] = "bench@example.com", "benchmark-pass"
    form.submit()
    page_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        client.get(f"/t/bench/history/team/{target_id}")
        page_times.append(time.perf_counter() - t0)

    print(
        f"database: {engine.dialect.name}; events in table: {total:,};"
        f" on the record: {args.events:,}"
    )
    for label, times in (
        ("timeline query, first page", query_times),
        ("history page, full request", page_times),
    ):
        ms = sorted(t * 1000 for t in times)
        print(
            f"{label:28} n={len(ms)} median {statistics.median(ms):.2f} ms"
            f"  p95 {ms[int(len(ms) * 0.95) - 1]:.2f} ms  max {ms[-1]:.2f} ms"
        )


if __name__ == "__main__":
    main()
