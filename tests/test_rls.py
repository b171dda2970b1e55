"""Row-level security on PostgreSQL: the second wall behind the ORM's tenant filter.

These tests use raw SQL (``text()``), which the ORM filter never sees, so what
they show is the database's own policy at work. The test database is owned by
a role that is neither superuser nor BYPASSRLS (``core.testing``), like the
role the app must use in production (docs/operations.md).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from core.db import TenantSession, all_tenants, make_engine, set_tenant
from core.models import Base, TenantOwned
from core.plugins import PluginRegistry
from core.schema import LEGACY_RLS_POLICY, alembic_config, enable_tenant_rls, upgrade
from core.testing import TEST_DATABASE_ENV, PostgresScratchDatabase

POLICY = "tenant_isolation"
#: The policy's test as PostgreSQL prints it: each setting an initplan (read once per
#: query), and cross-tenant work only through ``myynti_all_tenants()``.
CURRENT_TEST = (
    "((tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true),"
    " ''::text))::integer AS \"nullif\")) OR ( SELECT myynti_all_tenants() AS myynti_all_tenants))"
)


@pytest.fixture(autouse=True)
def _postgresql_only(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only (MYYNTI_TEST_DATABASE_URL)")


def tenant_owned_tables(registry: PluginRegistry) -> set[str]:
    """The table of every ``TenantOwned`` model of core and the installed plugins."""
    for plugin in registry.plugins:
        plugin.hooks  # noqa: B018 - importing a plugin's hooks imports its models
    return {
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantOwned)
    }


def rls_gaps(connection: Connection, tables: set[str]) -> dict[str, list[str]]:
    """What each of ``tables`` lacks of the tenant policy; empty when all is in place."""
    rows = connection.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " p.policyname IS NOT NULL, p.qual = :test AND p.with_check = :test"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_policies p ON p.schemaname = n.nspname"
            "     AND p.tablename = c.relname AND p.policyname = :policy"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ),
        {"policy": POLICY, "test": CURRENT_TEST},
    )
    found = {
        name: (enabled, forced, policy, current) for name, enabled, forced, policy, current in rows
    }
    gaps: dict[str, list[str]] = {}
    for table in sorted(tables):
        if table not in found:
            gaps[table] = ["no such table"]
            continue
        enabled, forced, policy, current = found[table]
        missing = [
            what
            for what, present in (
                ("row level security not enabled", enabled),
                ("row level security not forced", forced),
                (f"no {POLICY} policy", policy),
                (f"{POLICY} is not core.schema.RLS_POLICY", current or not policy),
            )
            if not present
        ]
        if missing:
            gaps[table] = missing
    return gaps


def test_every_tenant_owned_table_is_behind_the_policy(
    db_connection: Connection, myynti_registry: PluginRegistry
) -> None:
    tables = tenant_owned_tables(myynti_registry)
    assert {"membership", "team", "team_member", "event", "attachment"} <= tables
    assert rls_gaps(db_connection, tables) == {}


def test_the_check_finds_a_table_left_open(db_connection: Connection) -> None:
    db_connection.exec_driver_sql(
        "CREATE TABLE rls_probe (id serial PRIMARY KEY, tenant_id integer NOT NULL)"
    )
    assert rls_gaps(db_connection, {"rls_probe"}) == {
        "rls_probe": [
            "row level security not enabled",
            "row level security not forced",
            f"no {POLICY} policy",
        ]
    }

    enable_tenant_rls(Operations(MigrationContext.configure(db_connection)), "rls_probe")

    assert rls_gaps(db_connection, {"rls_probe"}) == {}

    db_connection.exec_driver_sql("DROP POLICY tenant_isolation ON rls_probe")
    db_connection.exec_driver_sql(LEGACY_RLS_POLICY.format(table="rls_probe"))
    assert rls_gaps(db_connection, {"rls_probe"}) == {
        "rls_probe": [f"{POLICY} is not core.schema.RLS_POLICY"]
    }


def test_the_policy_reads_its_settings_once_per_query(
    db_connection: Connection, two_teams: dict
) -> None:
    """Initplans: a scan compares each row's tenant with a value, not a setting it reads."""
    _work_as(db_connection, two_teams["a"])
    plan = "\n".join(
        db_connection.scalars(text("EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM team"))
    )
    assert "InitPlan" in plan
    assert "current_setting" not in plan
    assert "myynti_all_tenants" not in plan  # inlined: no function call, even once


def test_the_app_role_does_not_bypass_the_policy(db_connection: Connection) -> None:
    superuser, bypass = db_connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert (superuser, bypass) == (False, False)
    # The role even owns the tables here; FORCE is what binds an owner.
    owner = db_connection.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'team'"))
    assert owner == db_connection.scalar(text("SELECT current_user"))


@pytest.fixture
def two_teams(db_connection: Connection) -> dict[str, Any]:
    """Tenants A and B with one team each, written through the policy itself."""
    ids: dict[str, Any] = {}
    for key in ("a", "b"):
        tenant_id = db_connection.scalar(
            text(
                "INSERT INTO tenant (slug, name, active, licence, created_at)"
                " VALUES (:slug, :name, true, '{}', now()) RETURNING id"
            ),
            {"slug": f"rls-{key}", "name": f"RLS {key.upper()} Oy"},
        )
        _work_as(db_connection, tenant_id)
        team_id = db_connection.scalar(
            text(
                "INSERT INTO team (tenant_id, name, created_at)"
                " VALUES (:tenant, :name, now()) RETURNING id"
            ),
            {"tenant": tenant_id, "name": f"Team {key.upper()}"},
        )
        ids[key], ids[f"team_{key}"] = tenant_id, team_id
    _work_as(db_connection, None)
    return ids


def test_a_tenant_sees_only_its_own_rows(db_connection: Connection, two_teams: dict) -> None:
    _work_as(db_connection, two_teams["a"])

    rows = db_connection.execute(text("SELECT tenant_id, name FROM team")).all()
    assert rows == [(two_teams["a"], "Team A")]
    other = text("SELECT count(*) FROM team WHERE id = :id")
    assert db_connection.scalar(other, {"id": two_teams["team_b"]}) == 0


def test_a_tenant_cannot_write_into_another(db_connection: Connection, two_teams: dict) -> None:
    _work_as(db_connection, two_teams["a"])

    with pytest.raises(DBAPIError, match="row-level security"), db_connection.begin_nested():
        db_connection.execute(
            text("INSERT INTO team (tenant_id, name, created_at) VALUES (:b, 'Intruder', now())"),
            {"b": two_teams["b"]},
        )
    with pytest.raises(DBAPIError, match="row-level security"), db_connection.begin_nested():
        db_connection.execute(
            text("UPDATE team SET tenant_id = :b WHERE id = :id"),
            {"b": two_teams["b"], "id": two_teams["team_a"]},
        )
    changed = db_connection.execute(
        text("UPDATE team SET name = 'Renamed' WHERE id = :id"), {"id": two_teams["team_b"]}
    )
    assert changed.rowcount == 0
    removed = db_connection.execute(
        text("DELETE FROM team WHERE id = :id"), {"id": two_teams["team_b"]}
    )
    assert removed.rowcount == 0

    _work_as(db_connection, None, everyone=True)
    assert db_connection.execute(text("SELECT name FROM team ORDER BY name")).scalars().all() == [
        "Team A",
        "Team B",
    ]


def test_no_tenant_sees_nothing(db_connection: Connection, two_teams: dict) -> None:
    _work_as(db_connection, None)
    assert db_connection.scalar(text("SELECT count(*) FROM team")) == 0
    with pytest.raises(DBAPIError, match="row-level security"), db_connection.begin_nested():
        db_connection.execute(
            text("INSERT INTO team (tenant_id, name, created_at) VALUES (:a, 'Orphan', now())"),
            {"a": two_teams["a"]},
        )


def test_the_session_puts_its_tenant_in_the_transaction(db: TenantSession, two_teams: dict) -> None:
    """Raw SQL through the app's session: the ORM filter is blind to it, the policy is not."""
    set_tenant(db, two_teams["b"])
    assert db.execute(text("SELECT name FROM team")).scalars().all() == ["Team B"]
    with all_tenants(db):
        assert db.scalar(text("SELECT count(*) FROM team")) == 2
    assert db.scalar(text("SELECT count(*) FROM team")) == 1


def test_the_tenant_ends_with_its_transaction(db_engine: Engine) -> None:
    """A pooled connection never carries one request's tenant into the next.

    ``core.db`` relies on this: a transaction begun before the tenant is known
    sets nothing, and must see no tenant's rows.
    """
    setting = text(
        "SELECT NULLIF(current_setting('app.tenant_id', true), ''),"
        " current_setting('app.all_tenants', true) = 'on'"
    )
    with db_engine.connect() as connection:
        with connection.begin():
            _work_as(connection, 42, everyone=True)
            assert tuple(connection.execute(setting).one()) == ("42", True)
        with connection.begin():
            assert tuple(connection.execute(setting).one()) == (None, False)


def _work_as(connection: Connection, tenant_id: int | None, everyone: bool = False) -> None:
    """What ``core.db`` does in a transaction once the session has a tenant, by hand."""
    connection.execute(
        text(
            "SELECT set_config('app.tenant_id', :tenant, true),"
            " set_config('app.all_tenants', :all, true)"
        ),
        {"tenant": "" if tenant_id is None else str(tenant_id), "all": "on" if everyone else "off"},
    )


def test_c0007_brings_older_policies_up_to_date_and_its_downgrade_puts_them_back(
    myynti_registry: PluginRegistry,
) -> None:
    """Every table's policy, core's and the plugins', found in ``pg_policies``."""
    tables = tenant_owned_tables(myynti_registry)
    legacy = f"{POLICY} is not core.schema.RLS_POLICY"
    function = text("SELECT to_regprocedure('myynti_all_tenants()') IS NOT NULL")
    with PostgresScratchDatabase(os.environ[TEST_DATABASE_ENV]) as url:
        engine = make_engine(url)
        upgrade(engine, myynti_registry)
        with engine.begin() as connection:
            command.downgrade(alembic_config(myynti_registry, connection), "c0006_cache_version")
        with engine.connect() as connection:
            assert rls_gaps(connection, tables) == {table: [legacy] for table in tables}
            assert not connection.scalar(function)

        upgrade(engine, myynti_registry)

        with engine.connect() as connection:
            assert rls_gaps(connection, tables) == {}
            assert connection.scalar(function)
        engine.dispose()
