"""versions of custom fields, for the settings form's stale-save check

Revision ID: custom_fields0003_versions
Revises: custom_fields0002
"""

import sqlalchemy as sa
from alembic import op

revision = "custom_fields0003_versions"
down_revision = "custom_fields0002"
branch_labels = None
depends_on = None

TABLES = ("custom_field",)


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
