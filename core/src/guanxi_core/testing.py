"""Helpers for tests: a migrated database per test on SQLite or PostgreSQL.

Set `GUANXI_TEST_DATABASE_URL` to run against PostgreSQL; without it, SQLite files are used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, text

from guanxi_core.access import Actor
from guanxi_core.app import App, create_app
from guanxi_core.db import is_sqlite, make_engine
from guanxi_core.migrate import upgrade
from guanxi_core.plugin import Plugin
from guanxi_core.settings import Settings
from guanxi_core.users import create_user, hash_password

TEST_PASSWORD = "correct horse battery"  # noqa: S105 - the fixtures' known password
_TEST_HASH = hash_password(TEST_PASSWORD)

TEST_URL_VARIABLE = "GUANXI_TEST_DATABASE_URL"


def test_database_url() -> str | None:
    """The PostgreSQL URL tests should use, or None for SQLite.

    Under pytest-xdist each worker gets a database of its own beside the configured one
    (`test_gw0`, `test_gw1`, ...), since tests empty their database.
    """
    url = os.environ.get(TEST_URL_VARIABLE) or None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url is None or not worker:
        return url
    return sibling_database(url, worker)


def sibling_database(url: str, suffix: str) -> str:
    """The URL of database `<name>_<suffix>` on the server of `url`, created if missing."""
    parsed = make_url(url)
    name = f"{parsed.database}_{suffix}"
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


class TestDatabase:
    """A database migrated once, reset to empty for each test.

    On SQLite a migrated template file is copied per test; on PostgreSQL the schema is rebuilt
    once and tables are truncated (and test plugins' tables dropped) between tests.
    """

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, workdir: Path, url: str | None = None) -> None:
        self.workdir = workdir
        self.server_url = url
        self._count = 0
        self._core_tables: set[str] = set()
        self._engine: Engine | None = None
        if url is None:
            self.template = workdir / "template.db"
            app = create_app(Settings(database_url=f"sqlite:///{self.template}"), plugins=[])
            upgrade(app)
            app.engine.dispose()
        else:
            engine = make_engine(url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            app = create_app(Settings(database_url=url), plugins=[], engine=engine)
            upgrade(app)
            self._core_tables = set(inspect(engine).get_table_names())
            self._engine = engine

    @property
    def is_sqlite(self) -> bool:
        """Whether tests run on SQLite."""
        return self.server_url is None

    def fresh_url(self) -> str:
        """The URL of an empty, migrated database for one test."""
        if self.server_url is None:
            self._count += 1
            path = self.workdir / f"test-{self._count}.db"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        assert self._engine is not None
        with self._engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            extra = existing - self._core_tables
            for name in sorted(extra):  # tables of the previous test's plugins
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
            truncate = [t for t in self._core_tables if not t.startswith("alembic_version")]
            connection.execute(
                text(
                    "TRUNCATE "
                    + ", ".join(f'"{t}"' for t in truncate)
                    + " RESTART IDENTITY CASCADE"
                )
            )
        return self.server_url

    def close(self) -> None:
        """Release connections."""
        if self._engine is not None:
            self._engine.dispose()


def build_app(url: str, plugins: Iterable[Plugin] = ()) -> App:
    """An app with exactly `plugins` (plus built-ins), strict, their tables created."""
    plugins = list(plugins)
    app = create_app(Settings(database_url=url, strict_plugins=True), plugins=plugins)
    for plugin in plugins:
        if plugin.migrations is not None:
            upgrade(app, [plugin])
        else:
            plugin.metadata.create_all(app.engine)
    return app


def make_actor(
    app: App,
    username: str,
    *,
    roles: Iterable[str] = ("rep",),
    team: str | None = None,
    locale: str = "en",
) -> Actor:
    """Create a user with `roles` and return its actor."""
    user = create_user(
        app,
        username,
        password=TEST_PASSWORD,
        password_hash=_TEST_HASH,
        roles=roles,
        team=team,
        locale=locale,
    )
    assert user.id is not None
    return app.actor(user.id)


__all__ = [
    "TEST_PASSWORD",
    "TestDatabase",
    "build_app",
    "is_sqlite",
    "make_actor",
    "sibling_database",
    "test_database_url",
]
