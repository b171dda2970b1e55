"""the board's open columns in (rank, id) order from an index of open tasks

Revision ID: workflow0010
Revises: workflow0009
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0010"
down_revision = "workflow0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_task_board_open",
        "task",
        ["tenant_id", "stage_id", "board_rank", "id"],
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_task_board_open", table_name="task")
