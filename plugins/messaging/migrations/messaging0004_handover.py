"""handover of sent mail

Revision ID: messaging0004
Revises: messaging0003

That the mail server accepted a message, committed apart from the send job's
transaction, so that a retry after a crash does not send it again
(plugins/messaging/handover.py).
"""

import sqlalchemy as sa
from alembic import op

from core.schema import enable_tenant_rls

revision = "messaging0004"
down_revision = "messaging0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messaging_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("refused", sa.String(length=1000), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_messaging_handover_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_handover")),
        sa.UniqueConstraint("tenant_id", "message_id", name="uq_messaging_handover_message"),
    )
    with op.batch_alter_table("messaging_handover", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messaging_handover_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls(op, "messaging_handover")


def downgrade() -> None:
    with op.batch_alter_table("messaging_handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messaging_handover_tenant_id"))
    op.drop_table("messaging_handover")
