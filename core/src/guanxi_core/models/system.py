"""Application state kept in the database."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from guanxi_core.models._common import UTCDateTime, utcnow


class PluginState(SQLModel, table=True):
    """Whether an installed plugin is enabled (installed is not enabled)."""

    __tablename__ = "plugin_state"

    slug: str = Field(primary_key=True, max_length=64)
    enabled: bool = Field(default=False)
    changed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
