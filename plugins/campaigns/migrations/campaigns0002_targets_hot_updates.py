"""campaign targets: marked done without touching an index

Revision ID: campaigns0002
Revises: campaigns0001

A launch batch marks its targets done (``state``, ``task_id``). With ``state``
in the index the batches read pending targets by, each of those updates wrote a
new entry into every index of the table. The batches read by (tenant, campaign,
id) instead, from the last target the previous batch took, and on PostgreSQL the
table's pages keep room for the new row versions (``fillfactor``): the update
is then a heap-only one that no index sees.
"""

from alembic import op

revision = "campaigns0002"
down_revision = "campaigns0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_target_state")
        batch_op.create_index(
            "ix_campaign_target_order", ["tenant_id", "campaign_id", "id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE campaign_target SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE campaign_target RESET (fillfactor)")
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_target_order")
        batch_op.create_index(
            "ix_campaign_target_state", ["tenant_id", "campaign_id", "state", "id"], unique=False
        )
