"""pytest fixtures for testing a Guanxi plugin the way its users meet it.

Installing guanxi-sdk registers this module as the pytest plugin `guanxi` (entry point
`pytest11`), so a plugin's test suite needs only to say which plugins it tests:

```python
# tests/conftest.py
import pytest
from guanxi_vip import plugin

@pytest.fixture
def guanxi_plugins():
    return [plugin]

# tests/test_briefing.py
def test_the_briefing_lists_todays_guests(login_as, make_customer):
    make_customer(name="Ada")
    assert "Ada" in login_as("host").get("/p/vip/briefing").text
```

Every test gets a fresh, migrated database: a SQLite file copied from a template made once per
session, or, when `GUANXI_TEST_DATABASE_URL` names a PostgreSQL database, that database with
its tables emptied between tests (its `public` schema is rebuilt at the start of the session:
give tests a database of their own). Only the core, the web and `guanxi_plugins` are
registered, strictly (a plugin that fails to load fails the test with the reason), never the
other installed plugins. Importing this module does nothing else: the database is made when
the first test asks for it.

Fixtures: `guanxi_plugins`, `guanxi_database_url`, `guanxi_app`, `guanxi_web`, `make_user`,
`login_as`, `make_customer`, `make_activity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from guanxi_core import (
    ActivityKind,
    Actor,
    App,
    NotFoundError,
    Plugin,
    Record,
    system_actor,
)
from guanxi_core.testing import TestDatabase, build_app, make_actor, test_database_url
from guanxi_web import WebSettings, create_web_app
from guanxi_web import plugin as web_plugin
from guanxi_web.sessions import SessionStore
from guanxi_web.state import SESSION_COOKIE

__all__ = [
    "GuanxiClient",
    "LoginAs",
    "MakeActivity",
    "MakeCustomer",
    "MakeUser",
    "guanxi_app",
    "guanxi_database_url",
    "guanxi_plugins",
    "guanxi_web",
    "login_as",
    "make_activity",
    "make_customer",
    "make_user",
]

_WEB_SETTINGS = WebSettings()  # the defaults, whatever GUANXI_WEB_* the shell has set


class GuanxiClient(TestClient[Litestar]):
    """A test client of the web UI, signed in as one user (what `login_as` returns).

    Requests are made as with httpx: `client.get("/p/vip/briefing")`. An unsafe request
    (POST, ...) must carry the session's CSRF token, as the browser does: in the form field
    `csrf_token` or the `X-CSRF-Token` header.

    ```python
    host = login_as("host")
    host.post("/p/vip/notes", data={"text": "Window seat", "csrf_token": host.csrf_token})
    ```

    Attributes:
        actor: the signed-in user.
        csrf_token: the token of the session's forms.
    """

    actor: Actor
    csrf_token: str

    def csrf(self) -> str:
        """The CSRF token of the session (the same as `csrf_token`)."""
        return self.csrf_token


class MakeUser(Protocol):
    """The `make_user` fixture: create a user, get its `Actor`."""

    def __call__(
        self,
        username: str,
        roles: Iterable[str] = ("rep",),
        team: str | None = None,
        locale: str = "en",
    ) -> Actor:
        """Create an active user with `roles` (and `team`, created if new)."""
        ...


class LoginAs(Protocol):
    """The `login_as` fixture: a client signed in as a user, created when absent."""

    def __call__(
        self,
        role_or_username: str,
        *,
        roles: Iterable[str] | None = None,
        locale: str | None = None,
    ) -> GuanxiClient:
        """Sign in as `role_or_username` (see the fixture)."""
        ...


class MakeCustomer(Protocol):
    """The `make_customer` fixture: create a customer through the services."""

    def __call__(self, *, as_: Actor | None = None, **values: Any) -> Record:
        """Create a customer with `values` (field key → value), as `as_`."""
        ...


class MakeActivity(Protocol):
    """The `make_activity` fixture: log an activity through the services."""

    def __call__(
        self,
        kind: ActivityKind | str,
        customer: Record | int | None = None,
        *,
        as_: Actor | None = None,
        **values: Any,
    ) -> Record:
        """Log an activity of `kind` on `customer` with `values`, as `as_`."""
        ...


@pytest.fixture(scope="session")
def _guanxi_test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    """The session's migrated template (SQLite) or rebuilt database (PostgreSQL)."""
    database = TestDatabase(tmp_path_factory.mktemp("guanxi-db"), test_database_url())
    yield database
    database.close()


@pytest.fixture
def guanxi_plugins() -> list[Plugin]:
    """The plugins under test, registered with the core and the web.

    A plugin's `conftest.py` overrides it:

    ```python
    @pytest.fixture
    def guanxi_plugins():
        return [plugin]  # with the plugins it requires, in any order
    ```

    Returns:
        By default no plugin: the core and the web alone.
    """
    return []


@pytest.fixture
def guanxi_database_url(_guanxi_test_database: TestDatabase) -> str:
    """The URL of an empty database, migrated to the core's latest schema, for this test."""
    return _guanxi_test_database.fresh_url()


@pytest.fixture
def guanxi_app(guanxi_database_url: str, guanxi_plugins: list[Plugin]) -> Iterator[App]:
    """The application: core, web and `guanxi_plugins` registered, enabled and migrated.

    Strict: a plugin that fails to load (a collision, an unknown permission, ...) raises
    `PluginError` with the reason. Use `guanxi_app.context(actor)` for the services.
    """
    plugins = [web_plugin, *(p for p in guanxi_plugins if p is not web_plugin)]
    app = build_app(guanxi_database_url, plugins)
    yield app
    app.engine.dispose()


@pytest.fixture
def guanxi_web(guanxi_app: App) -> Litestar:
    """The web UI (the ASGI application) of `guanxi_app`, with default web settings."""
    return create_web_app(guanxi_app, _WEB_SETTINGS)


@pytest.fixture
def make_user(guanxi_app: App) -> MakeUser:
    """Create users: `make_user("li", roles=("manager",), team="North", locale="zh_CN")`.

    Returns:
        A function returning the new user's `Actor` (with the permissions of its roles).
        A taken name or an unknown role raises `ValidationError`.
    """

    def make(
        username: str,
        roles: Iterable[str] = ("rep",),
        team: str | None = None,
        locale: str = "en",
    ) -> Actor:
        return make_actor(guanxi_app, username, roles=roles, team=team, locale=locale)

    return make


@pytest.fixture
def login_as(guanxi_app: App, guanxi_web: Litestar) -> LoginAs:
    """Clients of the web UI signed in as a user: `login_as("host").get("/p/vip/briefing")`.

    `login_as(name)` signs in the user `name`, creating it when absent: with the role `name`
    when a role of that name is registered (`login_as("manager")`), else as a `rep`.
    `roles=` gives a new user's roles (an existing user must hold exactly those);
    `locale=` the language of the session (by default the user's; a new user's is `en`).
    Each call gives a new client (its own browser); several may be signed in at once.

    Returns:
        A function returning a `GuanxiClient`; its `csrf_token` goes with every POST.
    """
    store = SessionStore(guanxi_app.engine, _WEB_SETTINGS)

    def login(
        role_or_username: str, *, roles: Iterable[str] | None = None, locale: str | None = None
    ) -> GuanxiClient:
        name = role_or_username
        wanted = None if roles is None else frozenset(roles)
        try:
            actor = guanxi_app.actor_by_username(name)
        except NotFoundError:
            if wanted is None:
                wanted = frozenset({name} if name in guanxi_app.roles else {"rep"})
            actor = make_actor(guanxi_app, name, roles=sorted(wanted), locale=locale or "en")
        if wanted is not None and actor.roles != wanted:
            raise ValueError(
                f"user {name!r} exists with roles {sorted(actor.roles)}, not {sorted(wanted)}"
            )
        assert actor.id is not None
        # What a successful sign-in does, without the deliberately slow password check.
        token, session = store.create(actor.id, locale)
        client = GuanxiClient(guanxi_web)
        client.cookies.set(_WEB_SETTINGS.cookie_name(SESSION_COOKIE), token)
        client.actor = actor
        client.csrf_token = session.csrf_token
        return client

    return login


@pytest.fixture
def make_customer(guanxi_app: App) -> MakeCustomer:
    """Create customers through the services (hooks and validation run as in the app).

    `make_customer(name="Ada", **{"vip.vip_tier": "gold"})`: values are field keys, core and
    extension. Without a name the customer is "Customer 1", "Customer 2", ... in this test;
    the kind defaults to `person`. Created by the system (an administrator, owning nothing)
    unless `as_=actor` is given; pass `owner_id=` to give it to a user.

    Returns:
        A function returning the stored `Record`; bad values raise `ValidationError`.
    """
    count = 0

    def make(*, as_: Actor | None = None, **values: Any) -> Record:
        nonlocal count
        count += 1
        values.setdefault("name", f"Customer {count}")
        return guanxi_app.context(as_ or system_actor()).customers.create(values)

    return make


@pytest.fixture
def make_activity(guanxi_app: App, make_customer: MakeCustomer) -> MakeActivity:
    """Log activities through the services: `make_activity(reservation, ada, subject="Table 4")`.

    `kind` is an `ActivityKind` or its key (`core.call`); `customer` a `Record` or an id,
    created with `make_customer` when not given. Without a subject the activity is
    "Activity 1", "Activity 2", ... A kind with a workflow starts in its initial state.
    Logged by the system unless `as_=actor` is given.

    Returns:
        A function returning the stored `Record`; bad values raise `ValidationError`.
    """
    count = 0

    def make(
        kind: ActivityKind | str,
        customer: Record | int | None = None,
        *,
        as_: Actor | None = None,
        **values: Any,
    ) -> Record:
        nonlocal count
        count += 1
        if customer is None:
            customer = make_customer(as_=as_)
        values["kind"] = kind.key if isinstance(kind, ActivityKind) else kind
        values["customer_id"] = customer.id if isinstance(customer, Record) else customer
        values.setdefault("subject", f"Activity {count}")
        return guanxi_app.context(as_ or system_actor()).activities.create(values)

    return make
