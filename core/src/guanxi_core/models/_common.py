from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, Table
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The SQLAlchemy table of a SQLModel table class."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on both databases (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# 64-bit keys on PostgreSQL; SQLite only makes INTEGER PRIMARY KEY an alias of its rowid.
BigID = BigInteger().with_variant(Integer(), "sqlite")
