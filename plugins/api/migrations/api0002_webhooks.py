"""webhooks

Revision ID: api0002
Revises: api0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.schema import enable_tenant_rls

revision = "api0002"
down_revision = "api0001"
branch_labels = None
depends_on = "c0003"


def upgrade() -> None:
    op.create_table(
        "api_webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_api_webhook_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_api_webhook_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_webhook")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_api_webhook_tenant_id"),
    )
    with op.batch_alter_table("api_webhook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_webhook_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "api_webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=63), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["api_webhook.tenant_id", "api_webhook.id"],
            name="fk_api_webhook_delivery_subscription",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_api_webhook_delivery_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_webhook_delivery")),
    )
    with op.batch_alter_table("api_webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_api_webhook_delivery_subscription",
            ["tenant_id", "subscription_id", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_api_webhook_delivery_tenant_id"), ["tenant_id"], unique=False
        )

    enable_tenant_rls(op, "api_webhook")
    enable_tenant_rls(op, "api_webhook_delivery")


def downgrade() -> None:
    with op.batch_alter_table("api_webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_webhook_delivery_tenant_id"))
        batch_op.drop_index("ix_api_webhook_delivery_subscription")

    op.drop_table("api_webhook_delivery")
    with op.batch_alter_table("api_webhook", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_webhook_tenant_id"))

    op.drop_table("api_webhook")
