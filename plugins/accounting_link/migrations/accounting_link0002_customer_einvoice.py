"""customers' e-invoice addresses

Revision ID: accounting_link0002
Revises: accounting_link0001
"""

import sqlalchemy as sa
from alembic import op

from core.schema import enable_tenant_rls

revision = "accounting_link0002"
down_revision = "accounting_link0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounting_customer_einvoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=35), nullable=False),
        sa.Column("operator", sa.String(length=35), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_accounting_customer_einvoice_tenant_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_accounting_customer_einvoice_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_customer_einvoice")),
        sa.UniqueConstraint("tenant_id", "customer_id", name="uq_accounting_customer_einvoice"),
    )
    with op.batch_alter_table("accounting_customer_einvoice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounting_customer_einvoice_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls(op, "accounting_customer_einvoice")


def downgrade() -> None:
    with op.batch_alter_table("accounting_customer_einvoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounting_customer_einvoice_tenant_id"))
    op.drop_table("accounting_customer_einvoice")
