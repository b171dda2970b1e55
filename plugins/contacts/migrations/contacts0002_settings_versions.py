"""versions of web forms and routing rules, for their settings forms' stale-save check

Revision ID: contacts0002_settings_versions
Revises: contacts0001
"""

import sqlalchemy as sa
from alembic import op

revision = "contacts0002_settings_versions"
down_revision = "contacts0001"
branch_labels = None
depends_on = None

TABLES = ("web_form", "routing_rule")


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
