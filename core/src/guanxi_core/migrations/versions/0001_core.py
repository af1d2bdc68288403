"""The core tables: users, teams, customers, activities, tags, audit log, plugin states.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-22
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi_core.models._common import UTCDateTime

revision: str = "0001_core"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _trigram_available() -> bool:
    """Whether pg_trgm is (or can be) installed; a role without the right keeps going without it.

    Search then still works, by scanning; `CREATE EXTENSION pg_trgm` by a superuser and a
    re-run of this index restore its speed.
    """
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        logging.getLogger("guanxi_core.migrations").warning(
            "pg_trgm is not available: fragment search will not be indexed"
        )
        return False
    return True


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", BigID, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=80), nullable=False),
        sa.Column("entity_id", BigID, nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_entity", "audit_entry", ["entity", "entity_id", "id"])
    op.create_table(
        "plugin_state",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("color", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_team_id", "user", ["team_id"])
    op.create_index("ix_user_username", "user", ["username"], unique=True)
    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role"),
    )
    op.create_table(
        "customer",
        sa.Column("id", BigID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("lifecycle_stage", sa.String(length=40), nullable=True),
        *_timestamps(),
        sa.Column("search_text", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    # On PostgreSQL the name index carries search_text: fragment search walks it in name order
    # as an index-only scan, reading no row that does not match.
    op.create_index(
        "ix_customer_name", "customer", ["name", "id"], postgresql_include=["search_text"]
    )
    op.create_index("ix_customer_owner_updated", "customer", ["owner_id", "updated_at", "id"])
    op.create_index("ix_customer_team_updated", "customer", ["team_id", "updated_at", "id"])
    op.create_index("ix_customer_updated", "customer", ["updated_at", "id"])
    op.create_table(
        "activity",
        sa.Column("id", BigID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=20000), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("state", sa.String(length=40), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_activity_customer_occurred", "activity", ["customer_id", "occurred_at", "id"]
    )
    op.create_index("ix_activity_kind_occurred", "activity", ["kind", "occurred_at"])
    op.create_index("ix_activity_owner_state", "activity", ["owner_id", "state"])
    op.create_table(
        "affiliation",
        sa.Column("person_id", BigID, nullable=False),
        sa.Column("organization_id", BigID, nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "organization_id"),
    )
    op.create_index("ix_affiliation_organization_id", "affiliation", ["organization_id"])
    op.create_table(
        "customer_tag",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", UTCDateTime(), nullable=False),
        sa.Column("tagged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tagged_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("customer_id", "tag_id"),
    )
    op.create_index("ix_customer_tag_tag_id", "customer_tag", ["tag_id"])

    # The audit log is append-only: the database itself refuses updates and deletes.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION guanxi_audit_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'audit_entry is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION guanxi_audit_append_only()"
        )
        # Fragment search on name, phone and e-mail: a trigram index serves LIKE '%x%'.
        if _trigram_available():
            op.execute(
                "CREATE INDEX ix_customer_search_trgm ON customer "
                "USING gin (search_text gin_trgm_ops)"
            )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS guanxi_audit_append_only()")
    for table in (
        "customer_tag", "affiliation", "activity", "customer", "user_role", "user", "team",
        "tag", "plugin_state", "audit_entry",
    ):
        op.drop_table(table)
