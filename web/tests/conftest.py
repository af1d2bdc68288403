"""Fixtures: the web UI on a fresh migrated database (SQLite, or PostgreSQL when
GUANXI_TEST_DATABASE_URL is set), a test client and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from guanxi_core import App
from guanxi_core.access import Actor
from guanxi_core.testing import (
    TEST_PASSWORD,
    TestDatabase,
    build_app,
    make_actor,
    test_database_url,
)
from guanxi_web import WebSettings, create_web_app, plugin

Client = TestClient[Litestar]


@pytest.fixture(scope="session")
def test_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    db = TestDatabase(tmp_path_factory.mktemp("webdb"), test_database_url())
    yield db
    db.close()


@pytest.fixture
def app(test_db: TestDatabase) -> Iterator[App]:
    core_app = build_app(test_db.fresh_url(), [plugin])
    yield core_app
    core_app.engine.dispose()


@pytest.fixture
def web_settings() -> WebSettings:
    return WebSettings()


@pytest.fixture
def web(app: App, web_settings: WebSettings) -> Litestar:
    return create_web_app(app, web_settings)


@pytest.fixture
def make_client(web: Litestar) -> Callable[..., Client]:
    """Clients of the web app; several may share one test (each is its own browser)."""
    return lambda **kwargs: TestClient(web, **kwargs)


@pytest.fixture
def client(make_client: Callable[..., Client]) -> Client:
    return make_client()


def csrf_of(client: Client, path: str = "/login") -> str:
    """The CSRF token the page at `path` embeds in its forms."""
    html = client.get(path).text
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client: Client, username: str, password: str = TEST_PASSWORD) -> Any:
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def csrf() -> Callable[..., str]:
    return csrf_of


@pytest.fixture
def login() -> Callable[..., Any]:
    return sign_in


@pytest.fixture
def user(app: App) -> Callable[..., Actor]:
    return lambda username, **kw: make_actor(app, username, **kw)


@pytest.fixture
def signed_in(
    make_client: Callable[..., Client], user: Callable[..., Actor]
) -> Callable[..., Client]:
    """A client signed in as a new user `username` with `roles`."""

    def factory(username: str, roles: tuple[str, ...] = ("rep",), **kw: Any) -> Client:
        user(username, roles=roles, **kw)
        client = make_client()
        response = sign_in(client, username)
        assert response.status_code == 303, response.text
        return client

    return factory
