"""Creating and upgrading the database: one Alembic environment, a branch per plugin.

Each installed plugin's ``migrations/`` folder is a version location; its first
revision carries ``branch_labels = ("<plugin name>",)`` and, where it refers to
another plugin's table, ``depends_on`` that plugin's revision. ``upgrade`` runs
``heads`` so every branch reaches its newest revision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine

from core.models import Base
from core.plugins import PluginRegistry

ENV_DIR = Path(__file__).parent / "alembic"

RLS_POLICY = """
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
    """Create the database or bring every plugin's branch to its newest revision."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(registry, connection), "heads")


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
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(RLS_POLICY.format(table=table))
