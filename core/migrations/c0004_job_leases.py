"""job idempotency keys, claims by worker, and the workers' heartbeats

Revision ID: c0004_job_leases
Revises: c0003
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "c0004_job_leases"
down_revision = "c0003"
branch_labels = None
depends_on = None

#: Rows given a key per statement while existing jobs are filled in.
BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "job_worker",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_worker")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
    _give_existing_jobs_keys()
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.alter_column("idempotency_key", existing_type=sa.String(32), nullable=False)


def _give_existing_jobs_keys() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # The migration reads and writes every tenant's rows.
        connection.execute(sa.text("SELECT set_config('app.all_tenants', 'on', true)"))
    job = sa.table("job", sa.column("id", sa.Integer), sa.column("idempotency_key", sa.String))
    ids = connection.execute(sa.select(job.c.id).where(job.c.idempotency_key.is_(None)))
    keyed = sa.update(job).where(job.c.id == sa.bindparam("job_id"))
    pending = [row.id for row in ids]
    for start in range(0, len(pending), BATCH):
        connection.execute(
            keyed.values(idempotency_key=sa.bindparam("key")),
            [{"job_id": i, "key": uuid.uuid4().hex} for i in pending[start : start + BATCH]],
        )


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("idempotency_key")
    op.drop_table("job_worker")
