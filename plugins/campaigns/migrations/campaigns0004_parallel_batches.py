"""campaign launches: batches cut at the snapshot, made by several worker threads at once

Revision ID: campaigns0004
Revises: campaigns0003

A launch's batches took the targets after the campaign's ``tasks_through``
mark one at a time, each under the campaign row's lock. The snapshot now cuts
the targets into ``campaign_batch`` rows that jobs take concurrently; the mark
and ``round_robin_next`` (a batch's turns now follow from its position) go.
Batches of a campaign still making its tasks are cut from the targets past the
mark. On PostgreSQL, ``myynti_campaigns_analyze()`` lets the app role bring the
statistics of the targets and tasks up to date as a launch ends: ``ANALYZE``
needs the tables' owner, which the app role is not in the operator's two-role
set-up (docs/operations.md), so the function runs as its owner, the role that
migrates.
"""

import sqlalchemy as sa
from alembic import op

from core.schema import enable_tenant_rls

revision = "campaigns0004"
down_revision = "campaigns0003"
branch_labels = None
depends_on = None

ANALYZE_FUNCTION = """
CREATE FUNCTION {schema}.myynti_campaigns_analyze() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    ANALYZE {schema}.campaign_target;
    ANALYZE {schema}.task;
END
$$
"""

#: The targets past the mark of each campaign not done making tasks, cut as a launch cuts
#: them (1,000 targets a batch): first in the stage's column, in the targets' order, their
#: turns after those done.
UNFINISHED_BATCHES = """
INSERT INTO campaign_batch
    (tenant_id, campaign_id, first_target_id, last_target_id, position, rank_base)
SELECT tenant_id, campaign_id, min(id), max(id), min(position), min(rank)
FROM (
    SELECT t.tenant_id, t.campaign_id, t.id,
           row_number() OVER pending - 1 AS n,
           c.targets_done + row_number() OVER pending - 1 AS position,
           (SELECT coalesce(min(k.board_rank), 0) FROM task k WHERE k.stage_id = c.stage_id)
               - count(*) OVER (PARTITION BY t.campaign_id) + row_number() OVER pending - 1
               AS rank
    FROM campaign_target t JOIN campaign c ON c.id = t.campaign_id
    WHERE c.state IN ('running', 'paused') AND t.id > c.tasks_through
    WINDOW pending AS (PARTITION BY t.campaign_id ORDER BY t.id)
) pending
GROUP BY tenant_id, campaign_id, n / 1000
"""


def upgrade() -> None:
    op.create_table(
        "campaign_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("first_target_id", sa.Integer(), nullable=False),
        sa.Column("last_target_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rank_base", sa.Float(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_campaign_batch_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_batch")),
    )
    with op.batch_alter_table("campaign_batch", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_batch_order", ["tenant_id", "campaign_id", "first_target_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_batch_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls(op, "campaign_batch")
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    op.execute(UNFINISHED_BATCHES)
    if postgresql:
        op.execute("SELECT set_config('app.all_tenants', 'off', true)")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("tasks_through")
        batch_op.drop_column("round_robin_next")
    if postgresql:
        schema = op.get_bind().scalar(sa.text("SELECT quote_ident(current_schema())"))
        op.execute(ANALYZE_FUNCTION.format(schema=schema))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP FUNCTION myynti_campaigns_analyze()")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("round_robin_next", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("tasks_through", sa.Integer(), nullable=False, server_default="0")
        )
    # The mark: every target before the campaign's first batch not done has its task.
    if postgresql:
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    op.execute(
        "UPDATE campaign SET tasks_through = coalesce((SELECT min(b.first_target_id) - 1"
        " FROM campaign_batch b WHERE b.campaign_id = campaign.id AND b.done_at IS NULL),"
        " (SELECT max(t.id) FROM campaign_target t WHERE t.campaign_id = campaign.id), 0)"
    )
    if postgresql:
        op.execute("SELECT set_config('app.all_tenants', 'off', true)")
    op.drop_table("campaign_batch")
