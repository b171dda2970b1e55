"""versions of workflows and activity types, for their settings forms' stale-save check

Revision ID: workflow0005
Revises: workflow0004
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0005"
down_revision = "workflow0004"
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
