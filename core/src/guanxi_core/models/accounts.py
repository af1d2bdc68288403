"""Users, teams and the roles each user holds."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from guanxi_core.models._common import UTCDateTime, utcnow


class Team(SQLModel, table=True):
    """A group of users; its managers (members with the `manager` role) see its customers."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)


class User(SQLModel, table=True):
    """Someone who signs in: a rep, a manager, a host, an administrator."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str = Field(default="", max_length=255)
    locale: str = Field(default="en", max_length=10)
    team_id: int | None = Field(
        default=None, foreign_key="team.id", index=True, ondelete="SET NULL"
    )
    is_active: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class UserRole(SQLModel, table=True):
    """A role held by a user. Roles are declared by plugins (`admin`, `manager`, `rep`, ...)."""

    __tablename__ = "user_role"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=80, primary_key=True)
