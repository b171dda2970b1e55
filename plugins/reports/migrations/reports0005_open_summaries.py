"""the pipeline's and activity statistics' summaries, filled from the data so far

Revision ID: reports0005
Revises: reports0004
"""

import sqlalchemy as sa
from alembic import op

from core.schema import enable_tenant_rls

revision = "reports0005"
down_revision = "reports0004"
branch_labels = None
depends_on = "workflow0004"

_WHO = ("stage_id", "user_id", "team_id")


def _table(name: str, key: tuple[str, ...], columns: list[sa.Column]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f(f"fk_{name}_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("tenant_id", *key, name=f"uq_{name}"),
    )
    op.create_index(op.f(f"ix_{name}_tenant_id"), name, ["tenant_id"], unique=False)
    enable_tenant_rls(op, name)


def _open_tasks_columns(last: sa.Column) -> list[sa.Column]:
    return [
        *(sa.Column(column, sa.Integer(), nullable=False) for column in _WHO),
        last,
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("entered", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    _table(
        "report_pipeline",
        (*_WHO, "close_month"),
        _open_tasks_columns(sa.Column("close_month", sa.Date(), nullable=False)),
    )
    _table(
        "report_pipeline_age",
        ("entered_day", *_WHO),
        _open_tasks_columns(sa.Column("entered_day", sa.Date(), nullable=False)),
    )
    _table(
        "report_activity_day",
        ("day", "user_id", "type_id", "done"),
        [
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("type_id", sa.Integer(), nullable=False),
            sa.Column("done", sa.Boolean(), nullable=False),
            sa.Column("activities", sa.Integer(), nullable=False),
        ],
    )
    # The open tasks and the activities written before this revision, across tenants.
    from plugins.reports import activity_summary, pipeline_summary

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    pipeline_summary.rebuild(bind)
    activity_summary.rebuild(bind)
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'off', true)")


def downgrade() -> None:
    for name in ("report_activity_day", "report_pipeline_age", "report_pipeline"):
        op.drop_index(op.f(f"ix_{name}_tenant_id"), table_name=name)
        op.drop_table(name)
