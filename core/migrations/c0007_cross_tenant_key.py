"""cross_tenant_key: cross-tenant work needs a registered key; policy settings as initplans

Every table's ``tenant_isolation`` policy, core's and every plugin's (found in
``pg_policies``), is made again from ``core.schema.RLS_POLICY``: cross-tenant
work is honoured only through ``myynti_all_tenants()``, and the settings are
read once per query rather than once per row. Nothing changes on SQLite.

Revision ID: c0007_cross_tenant_key
Revises: c0006_cache_version
"""

from alembic import op

from core.schema import (
    LEGACY_RLS_POLICY,
    PRIVATE_SCHEMA,
    RLS_POLICY,
    ensure_cross_tenant_check,
    tenant_policy_tables,
)

revision = "c0007_cross_tenant_key"
down_revision = "c0006_cache_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    ensure_cross_tenant_check(op)
    _recreate_policies(RLS_POLICY)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _recreate_policies(LEGACY_RLS_POLICY)
    op.execute("DROP FUNCTION myynti_all_tenants()")
    op.execute("DROP FUNCTION myynti_all_tenants_allowed(name, text)")
    op.execute(f"DROP SCHEMA {PRIVATE_SCHEMA} CASCADE")


def _recreate_policies(policy: str) -> None:
    for table in tenant_policy_tables(op.get_bind()):
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(policy.format(table=table))
