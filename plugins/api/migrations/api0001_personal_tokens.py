"""personal tokens

Revision ID: api0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.schema import enable_tenant_rls

revision = "api0001"
down_revision = None
branch_labels = ("api",)
depends_on = "c0003"


def upgrade() -> None:
    op.create_table(
        "api_personal_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_api_personal_token_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_api_personal_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_personal_token")),
        sa.UniqueConstraint("token_hash", name="uq_api_personal_token_hash"),
    )
    with op.batch_alter_table("api_personal_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_personal_token_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index("ix_api_personal_token_user", ["tenant_id", "user_id"], unique=False)

    enable_tenant_rls(op, "api_personal_token")


def downgrade() -> None:
    with op.batch_alter_table("api_personal_token", schema=None) as batch_op:
        batch_op.drop_index("ix_api_personal_token_user")
        batch_op.drop_index(batch_op.f("ix_api_personal_token_tenant_id"))

    op.drop_table("api_personal_token")
