"""report indexes on workflow's tables

Revision ID: reports0001
Revises:
"""

from alembic import op

revision = "reports0001"
down_revision = None
branch_labels = ("reports",)
depends_on = "workflow0002"


def upgrade() -> None:
    op.create_index(
        "ix_task_reports_closed",
        "task",
        [
            "tenant_id",
            "closed_at",
            "stage_id",
            "responsible_user_id",
            "expected_value",
            "created_at",
        ],
    )
    op.create_index(
        "ix_task_reports_created", "task", ["tenant_id", "created_at", "responsible_user_id"]
    )
    op.create_index(
        "ix_activity_reports_period",
        "activity",
        ["tenant_id", "done_at", "due_at", "assignee_user_id", "type_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_activity_reports_period", table_name="activity")
    op.drop_index("ix_task_reports_created", table_name="task")
    op.drop_index("ix_task_reports_closed", table_name="task")
