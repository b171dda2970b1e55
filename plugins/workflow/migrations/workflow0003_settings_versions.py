"""versions of workflows and activity types, for their settings forms' stale-save check

Revision ID: workflow0003_settings_versions
Revises: workflow0002
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0003_settings_versions"
down_revision = "workflow0002"
branch_labels = None
depends_on = None

TABLES = ("workflow", "activity_type")


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
