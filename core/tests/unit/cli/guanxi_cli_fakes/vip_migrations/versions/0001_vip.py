"""The vip_guest table.

Revision ID: 0001_vip
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_vip"
down_revision = None
branch_labels = None
depends_on = None

BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "vip_guest",
        sa.Column(
            "customer_id", BigID, sa.ForeignKey("customer.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("allergies", sa.String(length=255), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("vip_guest")
