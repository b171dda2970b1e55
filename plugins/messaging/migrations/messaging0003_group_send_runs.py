"""group sends share the tenant's rate

Revision ID: messaging0003
Revises: messaging0002

The send times the tenant's group sends have taken, on its mail settings, so
that two group sends at once keep to the tenant's messages per minute
together (plugins/messaging/throttle.py).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "messaging0003"
down_revision = "messaging0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messaging_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "group_runs",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("messaging_settings", schema=None) as batch_op:
        batch_op.drop_column("group_runs")
