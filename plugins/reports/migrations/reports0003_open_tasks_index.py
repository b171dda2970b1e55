"""the pipeline's index of open tasks, with their time in stage

Revision ID: reports0003
Revises: reports0002
"""

import sqlalchemy as sa
from alembic import op

revision = "reports0003"
down_revision = "reports0002"
branch_labels = None
depends_on = "workflow0003"


def upgrade() -> None:
    op.create_index(
        "ix_task_reports_open",
        "task",
        [
            "tenant_id",
            "stage_id",
            "responsible_user_id",
            "team_id",
            "expected_value",
            "stage_entered_at",
            "close_date",
        ],
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_task_reports_open", table_name="task")
