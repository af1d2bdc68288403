"""Saved views: a user's named searches, filters, sort and columns of a list.

Revision ID: 0002_saved_views
Revises: 0001_web
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi_core.models import UTCDateTime

revision: str = "0002_saved_views"
down_revision: str | Sequence[str] | None = "0001_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the saved view table (its unique name per user and list also serves lookups)."""
    op.create_table(
        "web_saved_view",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("list", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "list", "name", name="uq_web_saved_view_name"),
    )


def downgrade() -> None:
    """Drop the saved view table."""
    op.drop_table("web_saved_view")
