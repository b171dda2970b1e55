"""the open tasks counted by person, stage, team and due date, filled from the tasks so far

Revision ID: workflow0009
Revises: workflow0008

The tenant home's pipeline and the board's open columns counted the open tasks on
every view; they now sum these rows, which ``plugins.workflow.open_counts`` keeps.
"""

import sqlalchemy as sa
from alembic import op

from core.schema import enable_tenant_rls

revision = "workflow0009"
down_revision = "workflow0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow_open_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_workflow_open_count_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_open_count")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", "stage_id", "team_id", "due_date", name="uq_workflow_open_count"
        ),
    )
    op.create_index(
        op.f("ix_workflow_open_count_tenant_id"), "workflow_open_count", ["tenant_id"], unique=False
    )
    enable_tenant_rls(op, "workflow_open_count")
    # The open tasks written before this revision, across tenants.
    from plugins.workflow import open_counts

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    open_counts.rebuild(bind)
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'off', true)")


def downgrade() -> None:
    op.drop_index(op.f("ix_workflow_open_count_tenant_id"), table_name="workflow_open_count")
    op.drop_table("workflow_open_count")
