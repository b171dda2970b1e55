"""the sales report's summary per local day, filled from the tasks closed so far

Revision ID: reports0002
Revises: reports0001
"""

import sqlalchemy as sa
from alembic import op

from core.schema import enable_tenant_rls

revision = "reports0002"
down_revision = "reports0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_sales_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_report_sales_day_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_sales_day")),
        sa.UniqueConstraint(
            "tenant_id", "day", "stage_id", "user_id", "team_id", name="uq_report_sales_day"
        ),
    )
    op.create_index(
        op.f("ix_report_sales_day_tenant_id"), "report_sales_day", ["tenant_id"], unique=False
    )
    enable_tenant_rls(op, "report_sales_day")
    # The tasks closed before this revision, summed across tenants.
    from plugins.reports.summary import rebuild

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    rebuild(bind)
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'off', true)")


def downgrade() -> None:
    op.drop_index(op.f("ix_report_sales_day_tenant_id"), table_name="report_sales_day")
    op.drop_table("report_sales_day")
