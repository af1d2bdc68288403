"""The record of every job run: when, how long, and whether it worked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Column, Field, SQLModel

from guanxi_core.models._common import BigID, UTCDateTime, utcnow

OUTCOMES = ("ok", "failed")


class JobRun(SQLModel, table=True):
    """One run of a job, manual or scheduled.

    Attributes:
        id: the run's id (increasing: the latest run of a job has the highest id).
        job: the job's name, `<slug>.<name>`.
        started_at: when the run began (UTC).
        finished_at: when it ended (UTC).
        duration_ms: how long it took, in milliseconds.
        outcome: `ok`, or `failed` when the handler raised (nothing it wrote was kept).
        message: what the handler returned, or the error of a failed run, on one line.
    """

    __tablename__ = "job_run"
    __table_args__ = (
        Index("ix_job_run_job", "job", "id"),
        CheckConstraint("outcome IN ('ok', 'failed')", name="ck_job_run_outcome"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigID, primary_key=True, autoincrement=True)
    )
    job: str = Field(max_length=120)
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    finished_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    duration_ms: int = Field(default=0)
    outcome: str = Field(max_length=10)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
