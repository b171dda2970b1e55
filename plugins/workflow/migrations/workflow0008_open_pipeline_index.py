"""an index of a person's open pipeline

Revision ID: workflow0008
Revises: workflow0007

The tenant home's pipeline of the signed-in person counts and sums their open tasks
by stage; through ``ix_task_responsible`` it read each task's row. This partial index
holds every column the figures need, so they are read from the index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0008"
down_revision = "workflow0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_open_pipeline",
            ["tenant_id", "responsible_user_id", "stage_id", "due_date", "expected_value"],
            unique=False,
            postgresql_where=sa.text("closed_at IS NULL"),
            sqlite_where=sa.text("closed_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_task_open_pipeline",
            postgresql_where=sa.text("closed_at IS NULL"),
            sqlite_where=sa.text("closed_at IS NULL"),
        )
