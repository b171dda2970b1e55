"""activities without a task: a customer and contact person of their own, closed undone

Revision ID: workflow0004
Revises: workflow0003

An activity may now be logged on a customer (and one of its contact persons)
with no task; the check keeps every activity on a task or a customer. An
activity whose task was won or lost can be closed without being done
(``cancelled_at``), so it neither stays open nor counts as done.
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0004"
down_revision = "workflow0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact_person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            "activity_has_record", "task_id IS NOT NULL OR customer_id IS NOT NULL"
        )
        batch_op.create_index(
            "ix_activity_customer", ["tenant_id", "customer_id", "due_at"], unique=False
        )


def downgrade() -> None:
    # Activities without a task have nowhere to go back to: they are removed.
    op.execute("DELETE FROM activity WHERE task_id IS NULL")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_customer")
        batch_op.drop_constraint("ck_activity_activity_has_record", type_="check")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("contact_person_id")
        batch_op.drop_column("customer_id")
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=False)
