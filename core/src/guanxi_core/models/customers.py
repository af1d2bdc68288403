"""Customers (people and organizations), their affiliations and tags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlmodel import Column, Field, SQLModel

from guanxi_core.models._common import BigID, UTCDateTime, utcnow


class CustomerKind(StrEnum):
    """Whether a customer is a person or an organization."""

    PERSON = "person"
    ORGANIZATION = "organization"


class Customer(SQLModel, table=True):
    """One record per customer that every department sees: the centre of the 360° view."""

    __table_args__ = (
        Index("ix_customer_updated", "updated_at", "id"),
        Index("ix_customer_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_customer_team_updated", "team_id", "updated_at", "id"),
        # The list's other filters and sorts (migration 0002_list_indexes).
        Index("ix_customer_created", "created_at", "id"),
        Index("ix_customer_source_updated", "source", "updated_at", "id"),
        Index("ix_customer_stage_updated", "lifecycle_stage", "updated_at", "id"),
        Index("ix_customer_kind_updated", "kind", "updated_at", "id"),
        # On PostgreSQL the index carries search_text, so fragment search walks it in name order
        # as an index-only scan (no heap access for rows that do not match).
        Index("ix_customer_name", "name", "id", postgresql_include=["search_text"]),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigID, primary_key=True, autoincrement=True)
    )
    kind: str = Field(default=CustomerKind.PERSON.value, max_length=20)
    name: str = Field(max_length=200)
    phones: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    emails: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    address: str | None = Field(default=None, max_length=500)
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    source: str | None = Field(default=None, max_length=80)
    lifecycle_stage: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    version: int = Field(default=1)
    # Lower-cased name, phones and e-mails: one trigram-indexed column serves fragment search.
    search_text: str = Field(default="", sa_column=Column(String(2000), nullable=False, default=""))


class Affiliation(SQLModel, table=True):
    """A person belonging to an organization: a doctor at a hospital, a guest at a company."""

    person_id: int = Field(
        sa_column=Column(BigID, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    )
    organization_id: int = Field(
        sa_column=Column(
            BigID, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    title: str | None = Field(default=None, max_length=120)


class Tag(SQLModel, table=True):
    """A label put on customers, by hand or by a rule."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    color: str | None = Field(default=None, max_length=20)


class CustomerTag(SQLModel, table=True):
    """A tag on a customer, with who put it there and when."""

    __tablename__ = "customer_tag"

    customer_id: int = Field(
        sa_column=Column(BigID, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    tagged_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    tagged_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
