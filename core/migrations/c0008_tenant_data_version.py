"""tenant_data_version: a version of each tenant's data, moved by triggers at commit

The triggers themselves are put on every table with a ``tenant_id`` by
``core.schema.ensure_data_triggers`` after each upgrade, so a plugin's tables
(of any branch, migrated before or after this) get them too.

Revision ID: c0008_tenant_data_version
Revises: c0007_cross_tenant_key
"""

import sqlalchemy as sa
from alembic import op

from core.schema import DATA_CHANGED_FUNCTION, drop_data_triggers

revision = "c0008_tenant_data_version"
down_revision = "c0007_cross_tenant_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_data_version",
        sa.Column("tenant_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenant_data_version")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DATA_CHANGED_FUNCTION)


def downgrade() -> None:
    drop_data_triggers(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION myynti_data_changed()")
    op.drop_table("tenant_data_version")
