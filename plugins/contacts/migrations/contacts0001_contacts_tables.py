"""contacts tables

Revision ID: contacts0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.schema import enable_tenant_rls

TENANT_TABLES = (
    "customer",
    "contact_person",
    "customer_tag",
    "contact_request",
    "web_form",
    "routing_rule",
    "api_token",
)
SEARCH_KEY = sa.String(length=254).with_variant(sa.String(length=254, collation="C"), "postgresql")

revision = "contacts0001"
down_revision = None
branch_labels = ("contacts",)
depends_on = "c0002"


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_api_token_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "contact_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=9), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assigned_user_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column(
            "converted_to",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rejected_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_user_id"],
            ["user_account.id"],
            name=op.f("fk_contact_request_assigned_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_contact_request_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_request")),
    )
    with op.batch_alter_table("contact_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_request_inbox",
            ["tenant_id", "state", "team_id", "assigned_user_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_contact_request_received", ["tenant_id", "received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_request_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=9), nullable=True),
        sa.Column("vat_number", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("phone_digits", sa.String(length=20), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("industry", sa.String(length=120), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column(
            "visiting_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "postal_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "billing_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("consent_source", sa.String(length=120), nullable=True),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "custom_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["responsible_user_id"],
            ["user_account.id"],
            name=op.f("fk_customer_responsible_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_customer_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_customer_tenant_id"),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index("ix_customer_business_id", ["tenant_id", "business_id"], unique=False)
        batch_op.create_index("ix_customer_phone", ["tenant_id", "phone_digits"], unique=False)
        batch_op.create_index(
            "ix_customer_responsible", ["tenant_id", "responsible_user_id"], unique=False
        )
        batch_op.create_index("ix_customer_team", ["tenant_id", "team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("form_id", sa.Integer(), nullable=True),
        sa.Column(
            "keywords",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_routing_rule_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_routing_rule_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.create_index("ix_routing_rule_position", ["tenant_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_routing_rule_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "web_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("public_key", sa.String(length=43), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("thank_you_url", sa.String(length=500), nullable=True),
        sa.Column("thank_you_message", sa.String(length=500), nullable=False),
        sa.Column(
            "allowed_origins",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_web_form_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_form")),
        sa.UniqueConstraint("public_key", name="uq_web_form_public_key"),
    )
    with op.batch_alter_table("web_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_form_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "contact_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("consent_source", sa.String(length=120), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "custom_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_contact_person_tenant_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_contact_person_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_person")),
    )
    with op.batch_alter_table("contact_person", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_person_customer", ["tenant_id", "customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_person_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "customer_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_customer_tag_tenant_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_customer_tag_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_tag")),
        sa.UniqueConstraint("tenant_id", "customer_id", "tag", name="uq_customer_tag"),
    )
    with op.batch_alter_table("customer_tag", schema=None) as batch_op:
        batch_op.create_index("ix_customer_tag_tag", ["tenant_id", "tag"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_tag_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hit")),
    )
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hit_bucket_at", ["bucket", "at"], unique=False)
        batch_op.create_index("ix_rate_limit_hit_at", ["at"], unique=False)

    for table in ("customer", "contact_person"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("name_key", SEARCH_KEY, nullable=False))
            batch_op.add_column(sa.Column("email_key", SEARCH_KEY, nullable=True))
            batch_op.create_index(f"ix_{table}_name_key", ["tenant_id", "name_key"])
            batch_op.create_index(f"ix_{table}_email_key", ["tenant_id", "email_key"])
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    op.drop_table("rate_limit_hit")
    with op.batch_alter_table("customer_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_tag_tenant_id"))
        batch_op.drop_index("ix_customer_tag_tag")

    op.drop_table("customer_tag")
    with op.batch_alter_table("contact_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_person_tenant_id"))
        batch_op.drop_index("ix_contact_person_customer")

    op.drop_table("contact_person")
    with op.batch_alter_table("web_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_form_tenant_id"))

    op.drop_table("web_form")
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_rule_tenant_id"))
        batch_op.drop_index("ix_routing_rule_position")

    op.drop_table("routing_rule")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_tenant_id"))
        batch_op.drop_index("ix_customer_team")
        batch_op.drop_index("ix_customer_responsible")
        batch_op.drop_index("ix_customer_phone")
        batch_op.drop_index("ix_customer_business_id")

    op.drop_table("customer")
    with op.batch_alter_table("contact_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_request_tenant_id"))
        batch_op.drop_index("ix_contact_request_received")
        batch_op.drop_index("ix_contact_request_inbox")

    op.drop_table("contact_request")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_tenant_id"))

    op.drop_table("api_token")
