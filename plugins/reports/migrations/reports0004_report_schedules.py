"""scheduled reports: a report e-mailed weekly or monthly to chosen users

Revision ID: reports0004
Revises: reports0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.schema import enable_tenant_rls

revision = "reports0004"
down_revision = "reports0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_key", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column(
            "recipient_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_report_schedule_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_report_schedule_created_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedule")),
    )
    with op.batch_alter_table("report_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_schedule_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls(op, "report_schedule")


def downgrade() -> None:
    op.drop_table("report_schedule")
