"""Database engines: SQLite (WAL, foreign keys, busy timeout) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def is_sqlite(url: str) -> bool:
    """Whether `url` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL makes commit-per-row writes far cheaper
    # and lets readers run beside a writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for `url` with the settings Guanxi relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in {"", None}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout (every service call). A dropped
    # connection fails one statement, after which SQLAlchemy invalidates the whole pool.
    return create_engine(parsed, echo=echo, pool_recycle=3600)
