"""the task list's open tasks newest first, from an index in (created_at, id) order

Revision ID: workflow0011
Revises: workflow0010
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0011"
down_revision = "workflow0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_task_list_open",
        "task",
        ["tenant_id", "created_at", "id"],
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_task_list_open", table_name="task")
