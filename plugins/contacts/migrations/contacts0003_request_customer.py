"""an index for a customer's contact requests (customer page panel and history)

Revision ID: contacts0003_request_customer
Revises: contacts0002_settings_versions
"""

from alembic import op

revision = "contacts0003_request_customer"
down_revision = "contacts0002_settings_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contact_request_customer", "contact_request", ["tenant_id", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_request_customer", table_name="contact_request")
