"""The record of job runs (`guanxi jobs run`, and the scheduler).

Revision ID: 0003_job_runs
Revises: 0002_list_indexes
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi_core.models._common import UTCDateTime

revision: str = "0003_job_runs"
down_revision: str | Sequence[str] | None = "0002_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", BigID, autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=120), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.CheckConstraint("outcome IN ('ok', 'failed')", name="ck_job_run_outcome"),
        sa.PrimaryKeyConstraint("id"),
    )
    # The latest run of a job: `WHERE job = ? ORDER BY id DESC LIMIT 1`.
    op.create_index("ix_job_run_job", "job_run", ["job", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_run_job", table_name="job_run")
    op.drop_table("job_run")
