"""versions of teams and memberships, for their settings forms' stale-save check

Revision ID: c0005_settings_versions
Revises: c0004_job_leases
"""

import sqlalchemy as sa
from alembic import op

revision = "c0005_settings_versions"
down_revision = "c0004_job_leases"
branch_labels = None
depends_on = None

TABLES = ("team", "membership")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="1")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
