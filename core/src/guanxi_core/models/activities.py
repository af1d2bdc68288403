"""The activity timeline: every visit, call, message, complaint, purchase, task and note."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric
from sqlmodel import Column, Field, SQLModel

from guanxi_core.models._common import BigID, UTCDateTime, utcnow


class Activity(SQLModel, table=True):
    """One entry of a customer's timeline. Its `kind` is registered by a plugin."""

    __table_args__ = (
        Index("ix_activity_customer_occurred", "customer_id", "occurred_at", "id"),
        Index("ix_activity_kind_occurred", "kind", "occurred_at"),
        Index("ix_activity_owner_state", "owner_id", "state"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigID, primary_key=True, autoincrement=True)
    )
    kind: str = Field(max_length=80)
    customer_id: int = Field(
        sa_column=Column(BigID, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False)
    )
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    subject: str = Field(default="", max_length=200)
    body: str | None = Field(default=None, max_length=20000)
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    currency: str | None = Field(default=None, max_length=3)
    state: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    version: int = Field(default=1)
