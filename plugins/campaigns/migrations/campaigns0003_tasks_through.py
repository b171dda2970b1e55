"""campaign launches: a mark on the campaign instead of a state on each target

Revision ID: campaigns0003
Revises: campaigns0002

A launch batch updated each of its 1,000 targets (``state`` done, ``task_id``).
The campaign now keeps one mark, ``tasks_through``: the targets up to that id
have their tasks (the batches take them in id order). On PostgreSQL a target's
``task_id`` is drawn from the task sequence when it is added, so the batch
writes nothing back to its targets; ``state`` is no longer needed.
"""

import sqlalchemy as sa
from alembic import op

revision = "campaigns0003"
down_revision = "campaigns0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tasks_through", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE campaign SET tasks_through = coalesce((SELECT max(t.id) FROM campaign_target t"
        " WHERE t.campaign_id = campaign.id AND t.state = 'done'), 0)"
    )
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.drop_column("state")


def downgrade() -> None:
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=8), nullable=False, server_default="pending")
        )
    op.execute(
        "UPDATE campaign_target SET state = 'done' WHERE id <= (SELECT c.tasks_through"
        " FROM campaign c WHERE c.id = campaign_target.campaign_id)"
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("tasks_through")
