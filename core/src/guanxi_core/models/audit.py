"""The append-only audit log: every create, update, delete and workflow transition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Column, Field, SQLModel

from guanxi_core.models._common import BigID, UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One change: who, when, what and the field diff `{field: [old, new]}`.

    Entries have no foreign keys so that they outlive what they describe; the database refuses
    to update or delete them (a trigger installed by the core migration).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id", "id"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigID, primary_key=True, autoincrement=True)
    )
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    actor_id: int | None = Field(default=None)
    entity: str = Field(max_length=80)
    entity_id: int = Field(sa_column=Column(BigID, nullable=False))
    action: str = Field(max_length=40)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
