"""Fixtures: a fresh migrated database per test (SQLite, or PostgreSQL when
GUANXI_TEST_DATABASE_URL is set) and apps built from inline plugins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from guanxi_core import App, Settings, create_app
from guanxi_core.access import Actor
from guanxi_core.testing import TestDatabase, build_app, make_actor, test_database_url


@pytest.fixture(scope="session")
def test_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    db = TestDatabase(tmp_path_factory.mktemp("db"), test_database_url())
    yield db
    db.close()


@pytest.fixture
def db_url(test_db: TestDatabase) -> str:
    return test_db.fresh_url()


@pytest.fixture
def disposing() -> Iterator[Callable[[App], App]]:
    """Register an app whose engine is disposed after the test."""
    apps: list[App] = []

    def keep(app: App) -> App:
        apps.append(app)
        return app

    yield keep
    for app in apps:
        app.engine.dispose()


@pytest.fixture
def make_app(db_url: str, disposing: Callable[[App], App]) -> Callable[..., App]:
    """An app with exactly the given inline plugins, their tables created."""
    return lambda *plugins: disposing(build_app(db_url, plugins))


@pytest.fixture
def new_app(db_url: str, disposing: Callable[[App], App]) -> Callable[..., App]:
    """`create_app` on the test database (plugins discovered unless given)."""

    def factory(*, strict: bool = False, **kwargs: Any) -> App:
        settings = Settings(database_url=db_url, strict_plugins=strict)
        return disposing(create_app(settings, **kwargs))

    return factory


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture
def actor_factory() -> Callable[..., Actor]:
    return make_actor


@pytest.fixture
def admin(app: App) -> Actor:
    return make_actor(app, "admin", roles=["admin"])
