"""What the data version's trigger costs a write: rows inserted with it and without.

    python bench/data_triggers.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A scratch PostgreSQL database owned by a non-superuser role (dropped afterwards),
migrated as that role, with one tenant; the role works across tenants as the owner
may. Customers are inserted by the database itself (``INSERT … SELECT …
generate_series``, the cheapest insert there is, so the trigger's share is at its
largest), ``--rows`` in one committed transaction, best of ``--repeat``: with the
trigger (``core.schema.ensure_data_triggers``), with it disabled, and with it again.
The deferred trigger runs at commit, so the commit is timed too.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine, text

from core.db import make_engine
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase

INSERT = """
INSERT INTO customer (tenant_id, kind, name, name_key, language, visiting_address,
    postal_address, billing_address, custom_values, marketing_consent, version,
    created_at, updated_at)
SELECT :tenant, 'company', 'Asiakas ' || g || ' Oy', 'asiakas ' || g || ' oy', 'fi',
    '{}', '{}', '{}', '{}', false, 1, now(), now()
FROM generate_series(1, :rows) g
"""
TRIGGER = "ALTER TABLE customer {} TRIGGER myynti_data_changed"
CROSS = "SELECT set_config('app.all_tenants', 'on', true)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL superuser URL")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with PostgresScratchDatabase(args.database_url) as url:
        engine = make_engine(url)
        upgrade(engine, PluginRegistry.from_environment())
        with engine.begin() as conn:
            conn.execute(text(CROSS))
            tenant = conn.scalar(
                text(
                    "INSERT INTO tenant (slug, name, active, licence, created_at)"
                    " VALUES ('triggers', 'Triggers Oy', true, '{}', now()) RETURNING id"
                )
            )
        print(f"{args.rows:,} customers per transaction, best of {args.repeat}")
        for label, switch in (
            ("with the trigger", None),
            ("without", "DISABLE"),
            ("again", "ENABLE"),
        ):
            if switch:
                with engine.begin() as conn:
                    conn.execute(text(TRIGGER.format(switch)))
            seconds = best_of(engine, tenant, args.rows, args.repeat)
            print(f"{label:18}{seconds * 1000:9.1f} ms  {seconds / args.rows * 1e6:6.2f} µs a row")
        engine.dispose()


def best_of(engine: Engine, tenant: int, rows: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text(CROSS))
            conn.execute(text(INSERT), {"tenant": tenant, "rows": rows})
        times.append(time.perf_counter() - started)
    return min(times)


if __name__ == "__main__":
    main()
