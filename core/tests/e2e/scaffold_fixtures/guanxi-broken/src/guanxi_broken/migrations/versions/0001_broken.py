"""The broken_card table (and, by mistake, no broken_extra).

Revision ID: 0001_broken
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_broken"
down_revision = None
branch_labels = None
depends_on = None

BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "broken_card",
        sa.Column(
            "customer_id",
            BigID,
            sa.ForeignKey("customer.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("level", sa.String(length=20), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("broken_card")
