"""cache_version: counters that invalidate the per-process caches

Revision ID: c0006_cache_version
Revises: c0005_settings_versions
"""

import sqlalchemy as sa
from alembic import op

revision = "c0006_cache_version"
down_revision = "c0005_settings_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_version",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_cache_version")),
    )


def downgrade() -> None:
    op.drop_table("cache_version")
