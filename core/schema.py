"""Creating and upgrading the database: one Alembic environment, a branch per plugin.

Each installed plugin's ``migrations/`` folder is a version location; its first
revision carries ``branch_labels = ("<plugin name>",)`` and, where it refers to
another plugin's table, ``depends_on`` that plugin's revision. ``upgrade`` runs
``heads`` so every branch reaches its newest revision.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import ProgrammingError

from core.db import ALL_TENANTS_KEY
from core.models import Base
from core.plugins import PluginRegistry

ENV_DIR = Path(__file__).parent / "alembic"

# The tenant policy. Each setting sits in a sub-select, an initplan: PostgreSQL
# reads it once per query instead of once per row (``current_setting`` is only
# stable, so a bare call is evaluated again for every row a scan filters).
RLS_POLICY = """
CREATE POLICY tenant_isolation ON {table}
USING (
    tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer)
    OR (SELECT myynti_all_tenants())
)
WITH CHECK (
    tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer)
    OR (SELECT myynti_all_tenants())
)
"""

PRIVATE_SCHEMA = "myynti_private"

# Who may work across tenants, asked once per query by every tenant policy.
#
# The setting ``app.all_tenants`` alone proves nothing: any session can set it,
# an injected statement too. So it must hold a key whose SHA-256 digest the
# owner (the migrating role) has registered in ``myynti_private.cross_tenant_key``
# (``register_all_tenants_key``); the key itself lives in the app's settings
# (``core.db.all_tenants_key``), never in the database. The app role cannot
# read, let alone add to, that table: it has no privilege on the private schema,
# which also keeps it out of ``GRANT … ON ALL TABLES IN SCHEMA public`` and of
# the default privileges the owner gives the app role there. Only
# ``myynti_all_tenants_allowed`` looks into it, as its owner (SECURITY
# DEFINER), and answers yes or no for the role and key it is given.
#
# The owner, or a member of it, may cross with any value but ``off``: it could
# switch the policies off anyway, so asking it for a key would protect nothing,
# and this way the data migrations (run as the owner, ``set_config('app.all_tenants',
# 'on', true)``) and a set-up of one role that owns the tables and runs the app
# need no key. The wall against the app role therefore needs two roles
# (docs/operations.md).
#
# A separate cross-tenant role was the other choice; it was not taken because a
# role cannot be switched to inside a SECURITY DEFINER function, so the app
# would need a second connection pool for cross-tenant work, and the worker and
# the outbox mix tenant and cross-tenant statements in one transaction.
CROSS_TENANT_CHECK = """
CREATE SCHEMA IF NOT EXISTS {private};
REVOKE ALL ON SCHEMA {private} FROM PUBLIC;
CREATE TABLE IF NOT EXISTS {private}.cross_tenant_key (
    digest bytea PRIMARY KEY,
    registered_at timestamptz NOT NULL DEFAULT now()
);
-- Default privileges given before may have granted the new schema or table to
-- someone: only the owner keeps any.
DO $grants$
DECLARE
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT a.grantee::regrole::text
        FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE n.nspname = '{private}' AND a.grantee NOT IN (0, n.nspowner)
    LOOP
        EXECUTE format('REVOKE ALL ON SCHEMA {private} FROM %s', grantee);
    END LOOP;
    FOR grantee IN
        SELECT DISTINCT a.grantee::regrole::text
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = '{private}.cross_tenant_key'::regclass
            AND a.grantee NOT IN (0, c.relowner)
    LOOP
        EXECUTE format('REVOKE ALL ON TABLE {private}.cross_tenant_key FROM %s', grantee);
    END LOOP;
END
$grants$;
REVOKE ALL ON TABLE {private}.cross_tenant_key FROM PUBLIC;

CREATE OR REPLACE FUNCTION {schema}.myynti_all_tenants_allowed(role name, key text)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_has_role(role, n.nspowner, 'USAGE') OR EXISTS (
        SELECT 1 FROM {private}.cross_tenant_key
        WHERE digest = sha256(convert_to(key, 'UTF8'))
    )
    FROM pg_namespace n WHERE n.nspname = '{private}'
$$;

-- Plain SQL with no SET clause, so the planner inlines it into each policy's
-- initplan: a transaction that does not cross (nearly every one) pays for one
-- setting read per query. The names are schema-qualified instead.
CREATE OR REPLACE FUNCTION {schema}.myynti_all_tenants()
RETURNS boolean LANGUAGE sql STABLE
AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('app.all_tenants', true) IS NULL
            OR pg_catalog.texteq(pg_catalog.current_setting('app.all_tenants', true), '')
            OR pg_catalog.texteq(pg_catalog.current_setting('app.all_tenants', true), 'off')
        THEN false
        ELSE {schema}.myynti_all_tenants_allowed(
            current_user, pg_catalog.current_setting('app.all_tenants', true)
        ) IS TRUE
    END
$$;
"""

# The policy as it was before ``c0007_cross_tenant_key``, for its downgrade.
LEGACY_RLS_POLICY = """
CREATE POLICY tenant_isolation ON {table}
USING (
    tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer
    OR current_setting('app.all_tenants', true) = 'on'
)
WITH CHECK (
    tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer
    OR current_setting('app.all_tenants', true) = 'on'
)
"""


def alembic_config(registry: PluginRegistry, connection: Any) -> Config:
    locations = [str(p.migrations_path) for p in registry.plugins if p.migrations_path]
    config = Config()
    config.set_main_option("script_location", str(ENV_DIR))
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.attributes["connection"] = connection
    config.attributes["metadata"] = Base.metadata
    return config


def upgrade(engine: Engine, registry: PluginRegistry) -> None:
    """Create the database or bring every plugin's branch to its newest revision.

    On PostgreSQL the engine's cross-tenant key (``core.db.make_engine``), if it
    has one, is then registered, so the app's processes that share it may work
    across tenants.
    """
    with engine.begin() as connection:
        command.upgrade(alembic_config(registry, connection), "heads")
        ensure_data_triggers(connection)
        key = connection.get_execution_options().get(ALL_TENANTS_KEY)
        if key and connection.dialect.name == "postgresql":
            register_all_tenants_key(connection, key)


class UnknownAllTenantsKey(Exception):
    """The app's cross-tenant key is not registered and this role cannot register it."""


def register_all_tenants_key(connection: Connection, key: str) -> None:
    """Let the sessions that bring ``key`` work across tenants (PostgreSQL, the owner).

    Only its digest reaches the database. The app role, which may not write
    there, may run this too, as ``myynti serve`` does: a key already known is
    then left alone, and one not known is for the owner to register
    (``myynti init``).
    """
    digest = hashlib.sha256(key.encode()).digest()
    try:
        with connection.begin_nested():
            connection.execute(
                text(
                    f"INSERT INTO {PRIVATE_SCHEMA}.cross_tenant_key (digest)"  # noqa: S608 - a constant
                    " VALUES (:digest) ON CONFLICT DO NOTHING"
                ),
                {"digest": digest},
            )
    except ProgrammingError as exc:
        allowed = text(
            f"SELECT {_schema(connection)}.myynti_all_tenants_allowed(current_user, :key)"
        )
        if connection.scalar(allowed, {"key": key}):
            return
        raise UnknownAllTenantsKey(
            "The database does not know this installation's cross-tenant key, and"
            f" {connection.scalar(text('SELECT current_user'))} may not register it: run"
            " `myynti init` as the role that owns the tables, with the same MYYNTI_SECRET"
            " as the app (docs/operations.md)."
        ) from exc


def pending_model_changes(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when in step)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def enable_tenant_rls(op: Operations, table: str) -> None:
    """In a migration: put ``table`` behind the tenant row-level security policy.

    ``FORCE`` makes the policy bind the table's owner too; only a superuser
    bypasses it, and the app must not connect as one (see docs/operations.md).
    Does nothing on SQLite, which has no row-level security.
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    ensure_cross_tenant_check(op)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(RLS_POLICY.format(table=table))


def ensure_cross_tenant_check(op: Operations) -> None:
    """In a migration on PostgreSQL: create ``myynti_all_tenants()``, which the policy calls.

    The first table's policy needs it, in whichever branch that table is, so
    every ``enable_tenant_rls`` makes sure of it; core's ``c0007`` makes it in a
    database whose policies are older.
    """
    connection = op.get_bind()
    if connection.scalar(text("SELECT to_regprocedure('myynti_all_tenants()')")) is None:
        op.execute(CROSS_TENANT_CHECK.format(private=PRIVATE_SCHEMA, schema=_schema(connection)))


def tenant_policy_tables(connection: Connection) -> list[str]:
    """The tables of the current schema that carry the tenant policy, core's and plugins'."""
    return list(
        connection.scalars(
            text(
                "SELECT tablename FROM pg_policies WHERE schemaname = current_schema()"
                " AND policyname = 'tenant_isolation' ORDER BY tablename"
            )
        )
    )


def _schema(connection: Connection) -> str:
    return connection.scalar(text("SELECT quote_ident(current_schema())"))


# --- the tenant's data version ----------------------------------------------------------
#
# A page kept per process (``core.page_cache``) is valid while its tenant's data stand
# still. Triggers, rather than the ORM's events, tell when they moved: they see every
# write, also SQL written by hand, a job's or a migration's.
#
# On PostgreSQL the trigger is a deferred constraint trigger: it runs when the
# transaction commits, once per changed row, and moves the version of each tenant
# whose rows the transaction changed once. Moving it at the first write instead would
# hold the version's row lock until the commit and queue every other writer of the
# tenant behind the first (the campaigns' two batch jobs, say); at commit it is held
# for the commit alone. On SQLite, whose writers queue anyway, a plain trigger moves it
# at each write.

#: Tables whose writes are no change of what a page shows: the job queue's claims and
#: leases, and the version itself.
DATA_TRIGGER_EXEMPT = frozenset({"job", "tenant_data_version"})

DATA_CHANGED_FUNCTION = """
CREATE OR REPLACE FUNCTION myynti_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
    done text := coalesce(current_setting('myynti.data_changed', true), '');
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD.tenant_id; ELSE changed := NEW.tenant_id; END IF;
    IF changed IS NULL OR position(',' || changed || ',' IN done) > 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO tenant_data_version AS v (tenant_id, version)
    VALUES (changed, floor(random() * 4611686018427387903)::bigint + 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version;
    PERFORM set_config('myynti.data_changed', done || ',' || changed || ',', true);
    RETURN NULL;
END
$$
"""

_PG_DATA_TRIGGER = """
CREATE CONSTRAINT TRIGGER myynti_data_changed AFTER INSERT OR UPDATE OR DELETE ON {table}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION myynti_data_changed()
"""

_SQLITE_DATA_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS myynti_data_changed_{table}_{event} AFTER {event} ON {table}
WHEN {row}.tenant_id IS NOT NULL
BEGIN
    INSERT INTO tenant_data_version (tenant_id, version)
    VALUES ({row}.tenant_id, (random() & 4611686018427387903) + 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = excluded.version;
END
"""
_SQLITE_EVENTS = (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))


def data_tables(connection: Connection) -> list[str]:
    """The tables whose rows belong to a tenant (a ``tenant_id`` column), but the exempt."""
    inspector = inspect(connection)
    return [
        table
        for table in inspector.get_table_names()
        if table not in DATA_TRIGGER_EXEMPT
        and any(column["name"] == "tenant_id" for column in inspector.get_columns(table))
    ]


def ensure_data_triggers(connection: Connection) -> None:
    """Put the data version's trigger on every tenant table that lacks it."""
    if "tenant_data_version" not in inspect(connection).get_table_names():
        return
    tables = data_tables(connection)
    if connection.dialect.name == "postgresql":
        present = set(
            connection.scalars(
                text(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                    " WHERE t.tgname = 'myynti_data_changed'"
                    " AND c.relnamespace = current_schema()::regnamespace"
                )
            )
        )
        for table in tables:
            if table not in present:
                connection.exec_driver_sql(_PG_DATA_TRIGGER.format(table=table))
        return
    for table in tables:
        for event, row in _SQLITE_EVENTS:
            connection.exec_driver_sql(
                _SQLITE_DATA_TRIGGER.format(table=table, event=event, row=row)
            )


def drop_data_triggers(connection: Connection) -> None:
    """Take the data version's triggers off every table (``c0008``'s downgrade)."""
    for table in data_tables(connection):
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS myynti_data_changed ON {table}")
        else:
            for event, _row in _SQLITE_EVENTS:
                connection.exec_driver_sql(
                    f"DROP TRIGGER IF EXISTS myynti_data_changed_{table}_{event}"
                )
