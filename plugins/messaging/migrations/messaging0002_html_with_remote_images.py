"""received HTML with its remote images

Revision ID: messaging0002
Revises: messaging0001

A received message's sanitised HTML with its remote images kept, shown only
when a user asks for them; the HTML shown by default stays without them.
Messages received before have none (their remote images were not kept).
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging0002"
down_revision = "messaging0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messaging_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("body_html_images", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("messaging_message", schema=None) as batch_op:
        batch_op.drop_column("body_html_images")
