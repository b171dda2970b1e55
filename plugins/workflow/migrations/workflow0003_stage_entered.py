"""when a task entered its current stage (the pipeline's ageing)

Filled for existing tasks from their history: their last ``stage_changed``
event (the move into the stage they are in), else when they were created.

Revision ID: workflow0003
Revises: workflow0002
"""

import sqlalchemy as sa
from alembic import op

revision = "workflow0003"
down_revision = "workflow0002"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE task SET stage_entered_at = coalesce(
    (SELECT max(event.at) FROM event
     WHERE event.entity = 'task' AND event.record_id = task.id
       AND event.kind = 'stage_changed' AND event.tenant_id = task.tenant_id),
    task.created_at)
"""


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage_entered_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("CURRENT_TIMESTAMP"),
                nullable=False,
            )
        )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    op.execute(BACKFILL)
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'off', true)")


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("stage_entered_at")
