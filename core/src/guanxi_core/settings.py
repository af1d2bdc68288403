"""Settings of a Guanxi application, read from the environment by default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///guanxi.db"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything an application instance needs to know at start-up.

    Attributes:
        database_url: SQLAlchemy URL; SQLite (the embedded default) or PostgreSQL.
        strict_plugins: when true, a plugin that fails to load stops the application.
        default_locale: the language used when a user has no preference.
        plugins: per-plugin settings, keyed by plugin slug.
        echo_sql: log every SQL statement (debugging only).
    """

    database_url: str = DEFAULT_DATABASE_URL
    strict_plugins: bool = False
    default_locale: str = "en"
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    echo_sql: bool = False

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Build settings from `GUANXI_*` environment variables, then apply overrides."""
        values: dict[str, Any] = {
            "database_url": os.environ.get("GUANXI_DATABASE_URL", DEFAULT_DATABASE_URL),
            "strict_plugins": _flag(os.environ.get("GUANXI_STRICT_PLUGINS")),
            "default_locale": os.environ.get("GUANXI_LOCALE", "en"),
            "echo_sql": _flag(os.environ.get("GUANXI_ECHO_SQL")),
        }
        values.update(overrides)
        return cls(**values)
