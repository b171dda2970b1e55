"""my work's indexes end with the id, so its order (due, id) is read from them

Revision ID: workflow0003_my_work_order
Revises: workflow0002

At a million tasks a busy user's open tasks and activities (thousands) were all
read and sorted for the first 100, since the id that breaks ties was not in the index.
"""

from alembic import op

revision = "workflow0003_my_work_order"
down_revision = "workflow0002"
branch_labels = None
depends_on = None

INDEXES = {
    "task": ("ix_task_responsible", ["tenant_id", "responsible_user_id", "closed_at", "due_date"]),
    "activity": (
        "ix_activity_assignee_open",
        ["tenant_id", "assignee_user_id", "done_at", "due_at"],
    ),
}


def upgrade() -> None:
    for table, (name, columns) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
            batch_op.create_index(name, [*columns, "id"], unique=False)


def downgrade() -> None:
    for table, (name, columns) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
