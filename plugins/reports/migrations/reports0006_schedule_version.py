"""scheduled reports: a version, so an edit saved over another is refused

Revision ID: reports0006
Revises: reports0005
"""

import sqlalchemy as sa
from alembic import op

revision = "reports0006"
down_revision = "reports0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("report_schedule", schema=None) as batch_op:
        batch_op.drop_column("version")
