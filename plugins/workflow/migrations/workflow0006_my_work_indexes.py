"""my work's partial indexes: a user's open tasks and activities in (due, id) order

Revision ID: workflow0006
Revises: workflow0005

At a million tasks a busy user's open tasks and activities (thousands) were all read
and sorted for the first 100 (bench/pages.py's curve: my work 9x its time at 1,000).
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0006"
down_revision = "workflow0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    open_task = sa.text("closed_at IS NULL")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_my_work",
            ["tenant_id", "responsible_user_id", "due_date", "id"],
            unique=False,
            postgresql_where=open_task,
            sqlite_where=open_task,
        )
    open_activity = sa.text("done_at IS NULL")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_my_work",
            ["tenant_id", "assignee_user_id", "due_at", "id"],
            unique=False,
            postgresql_where=open_activity,
            sqlite_where=open_activity,
        )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_my_work")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_my_work")
