"""an index of tasks by contact person

Revision ID: workflow0007
Revises: workflow0006

Messaging's sender routing joined every open task of the tenant to find the
task of a reply's sender; a contact person's page lists their tasks.
"""

from alembic import op

revision = "workflow0007"
down_revision = "workflow0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_contact_person", ["tenant_id", "contact_person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_contact_person")
