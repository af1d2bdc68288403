"""The visit plan of customers and the report of planned visits.

Revision ID: 0001_visits
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_visits"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Core ids are BIGINT on PostgreSQL and INTEGER on SQLite (where only INTEGER keys autoincrement).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create `visits_plan` (one row per customer) and `visits_report` (one per visit)."""
    op.create_table(
        "visits_plan",
        sa.Column(
            "customer_id",
            ID,
            sa.ForeignKey("customer.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("next_visit_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_visits_plan_next_visit_on", "visits_plan", ["next_visit_on", "customer_id"])
    op.create_table(
        "visits_report",
        sa.Column(
            "activity_id",
            ID,
            sa.ForeignKey("activity.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("outcome", sa.String(length=10), nullable=True),
    )
    op.create_index("ix_visits_report_outcome", "visits_report", ["outcome", "activity_id"])


def downgrade() -> None:
    """Drop both tables (`guanxi plugins purge visits` runs this)."""
    op.drop_table("visits_report")
    op.drop_table("visits_plan")
