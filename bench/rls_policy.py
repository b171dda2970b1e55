"""The tenant policy's cost: settings read once per query (initplans) against once per row.

    python bench/rls_policy.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/rls_policy.py --database-url ... --rows 100000 --repeat 5

Makes a scratch database with the two roles of docs/operations.md (an owner that
migrates, an app role that only reads and writes data), migrates it as the owner
with a cross-tenant key, and fills ``customer`` with ``--rows`` rows of one tenant
and a thousand of another, by the database itself (``INSERT … SELECT …
generate_series``), then ``VACUUM ANALYZE``. As the app role it then times, with the
policy of ``core.schema.RLS_POLICY`` and with the policy as it was before
``c0007_cross_tenant_key`` (``LEGACY_RLS_POLICY``, put back on ``customer`` by the
owner for the comparison):

- ``count(*)`` of the big tenant, the policy alone filtering (raw SQL, as a
  statement the ORM does not see);
- the same with ``WHERE tenant_id = …``, as the ORM's tenant criterion adds;
- ``count(*)`` across tenants (the current policy with the registered key; the old
  one with ``app.all_tenants = on``).

Each figure is the median of ``--repeat`` runs, each ``EXPLAIN (ANALYZE)``'s
execution time; the plan of the first query under each policy is printed. Parallel
workers are off by default (``--parallel-workers``): the per-row cost is what
changed, and on a busy machine the old policy's parallel plan (which the planner
picks for its dearer filter) competes with everything else for the cores.
``uptime`` is printed at the start and the end: the machine may be shared, so
compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from core.db import make_engine
from core.plugins import PluginRegistry
from core.schema import LEGACY_RLS_POLICY, RLS_POLICY, upgrade
from core.testing import drop_scratch

SET_UP = """
CREATE ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE {app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE {name} OWNER {owner};
"""

GRANTS = """
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""

FILL = """
INSERT INTO customer (tenant_id, kind, name, name_key, language, visiting_address,
    postal_address, billing_address, custom_values, marketing_consent, version,
    created_at, updated_at)
SELECT :tenant, 'company', 'Asiakas ' || g || ' Oy', 'asiakas ' || g || ' oy', 'fi',
    '{}', '{}', '{}', '{}', false, 1, now(), now()
FROM generate_series(1, :rows) g
"""

QUERIES = {
    "count, the policy alone": "SELECT count(*) FROM customer",
    "count, WHERE tenant_id as the ORM": "SELECT count(*) FROM customer WHERE tenant_id = {t}",
}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


@contextmanager
def scratch(admin_url: str) -> Iterator[tuple[str, str, str]]:
    """A database of a new owner role, used by a new app role: their URLs, a superuser's."""
    suffix = uuid.uuid4().hex[:8]
    name = f"myynti_bench_rls_{suffix}"
    owner, app = f"{name}_owner", f"{name}_app"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in SET_UP.format(owner=owner, app=app, name=name).strip().split(";\n"):
            conn.exec_driver_sql(statement)
    url = make_url(admin_url)
    superuser = url.set(database=name)
    database_admin = make_engine(superuser, isolation_level="AUTOCOMMIT")
    with database_admin.connect() as conn:
        conn.exec_driver_sql(GRANTS.format(owner=owner, app=app))
    database_admin.dispose()
    try:
        yield (
            url.set(database=name, username=owner, password=None).render_as_string(False),
            url.set(database=name, username=app, password=None).render_as_string(False),
            superuser.render_as_string(False),
        )
    finally:
        drop_scratch(admin, name, app, owner)


def fill(superuser_url: str, rows: int) -> tuple[int, int]:
    """Tenants ``big`` (``rows`` customers) and ``small`` (1,000); their ids."""
    engine = make_engine(superuser_url)
    ids = []
    with engine.begin() as conn:
        for slug, count in (("big", rows), ("small", 1000)):
            tenant = conn.scalar(
                text(
                    "INSERT INTO tenant (slug, name, active, licence, created_at)"
                    " VALUES (:slug, :slug, true, '{}', now()) RETURNING id"
                ),
                {"slug": slug},
            )
            conn.execute(text(FILL), {"tenant": tenant, "rows": count})
            ids.append(tenant)
    engine.dispose()
    engine = make_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE customer")
    engine.dispose()
    return ids[0], ids[1]


def put_policy(owner_url: str, policy: str) -> None:
    engine = make_engine(owner_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP POLICY tenant_isolation ON customer")
        conn.exec_driver_sql(policy.format(table="customer"))
    engine.dispose()


def timed(conn: Connection, sql: str, repeat: int) -> tuple[float, list[str]]:
    """The median execution time (ms) of ``sql`` over ``repeat`` runs, and one plan."""
    times, plan = [], []
    for _ in range(repeat):
        plan = list(conn.scalars(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")))
        times.append(float(plan[-1].split(":")[1].split()[0]))
    return statistics.median(times), plan


def measure(app_url: str, everyone: str, big: int, args: argparse.Namespace) -> dict[str, float]:
    """Each query's median as the app role; ``everyone`` is what ``app.all_tenants`` gets."""
    engine = make_engine(app_url)
    figures: dict[str, float] = {}
    repeat = args.repeat
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SET max_parallel_workers_per_gather = {args.parallel_workers:d}")
        conn.commit()
        for label, sql in QUERIES.items():
            with conn.begin():
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(big)})
                figures[label], plan = timed(conn, sql.format(t=big), repeat)
                if label == next(iter(QUERIES)):
                    print("    " + "\n    ".join(plan))
        with conn.begin():
            conn.execute(text("SELECT set_config('app.all_tenants', :k, true)"), {"k": everyone})
            figures["count across tenants"], _ = timed(
                conn, "SELECT count(*) FROM customer", repeat
            )
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a superuser's PostgreSQL URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers of the big tenant")
    parser.add_argument("--repeat", type=int, default=9, help="runs of each query")
    parser.add_argument(
        "--parallel-workers", type=int, default=0, help="max_parallel_workers_per_gather (0)"
    )
    args = parser.parse_args()

    print(f"start: {uptime()}")
    key = secrets.token_hex(32)
    with scratch(args.database_url) as (owner_url, app_url, superuser_url):
        owner = make_engine(owner_url, all_tenants_key=key)
        upgrade(owner, PluginRegistry.from_environment())
        owner.dispose()
        big, _small = fill(superuser_url, args.rows)
        print(
            f"data: customer has {args.rows:,} rows of one tenant and 1,000 of another;"
            f" max_parallel_workers_per_gather = {args.parallel_workers}"
        )

        print("policy before c0007 (settings read per row):")
        put_policy(owner_url, LEGACY_RLS_POLICY)
        before = measure(app_url, "on", big, args)
        print("policy now (settings as initplans, cross-tenant by key):")
        put_policy(owner_url, RLS_POLICY)
        after = measure(app_url, key, big, args)

    print(f"\n{'query (app role, median of ' + str(args.repeat) + ')':44} before     now   ratio")
    for label in before:
        print(
            f"{label:44} {before[label]:6.1f} ms {after[label]:6.1f} ms"
            f"  {before[label] / after[label]:4.1f}x"
        )
    print(f"end: {uptime()}")


if __name__ == "__main__":
    main()
