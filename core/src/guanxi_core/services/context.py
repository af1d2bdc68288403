"""The service context: who acts, in which transaction. The only way to write data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlmodel import Session

from guanxi_core.access import Actor
from guanxi_core.errors import PermissionDenied

if TYPE_CHECKING:
    from guanxi_core.app import App
    from guanxi_core.services.activities import ActivityService
    from guanxi_core.services.customers import CustomerService


class Context:
    """Services bound to one actor.

    Each write runs in its own transaction unless the context is already inside one (a hook or
    a workflow effect calling services joins the transaction of the change that called it).

    Attributes:
        app: the application.
        actor: who acts.
    """

    def __init__(self, app: App, actor: Actor) -> None:
        self.app = app
        self.actor = actor
        self._session: Session | None = None
        self._reader: Connection | None = None  # the AUTOCOMMIT connection of read()

    @property
    def session(self) -> Session:
        """The session of the transaction in progress (only inside `transaction()`)."""
        if self._session is None:
            raise RuntimeError("no transaction in progress; use ctx.transaction()")
        return self._session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Run the block in one transaction: committed at the end, rolled back on error."""
        if self._session is not None:
            yield self._session
            return
        with Session(self.app.engine, expire_on_commit=False) as session:
            self._session = session
            try:
                with session.begin():
                    yield session
            finally:
                self._session = None

    @contextmanager
    def read(self) -> Iterator[Session | Connection]:
        """Run a read-only block of Core statements (`execute`, `scalars`; no ORM entities).

        Inside a transaction it joins it. Otherwise, on PostgreSQL, it runs on an AUTOCOMMIT
        connection: under READ COMMITTED each statement sees its own snapshot in a
        transaction or not, so a read skips BEGIN and COMMIT (two round trips) and the ORM
        session machinery (~0.4 ms a call). SQLite keeps a transaction, which there gives the
        block's statements one snapshot.
        """
        if self._session is not None:
            yield self._session
            return
        if self._reader is not None:
            yield self._reader
            return
        if self.app.engine.dialect.name != "postgresql":
            with self.transaction() as session:
                yield session
            return
        with self.app.read_engine.connect() as connection:
            self._reader = connection
            try:
                yield connection
            finally:
                self._reader = None

    def require(self, permission: str) -> None:
        """Raise `PermissionDenied` unless the actor holds `permission`."""
        if not self.actor.can(permission):
            raise PermissionDenied(permission)

    @property
    def customers(self) -> CustomerService:
        """Create, read, update, delete, list and search customers."""
        from guanxi_core.services.customers import CustomerService  # noqa: PLC0415 - cycle

        return CustomerService(self)

    @property
    def activities(self) -> ActivityService:
        """Log, update, delete and transition activities; read timelines."""
        from guanxi_core.services.activities import ActivityService  # noqa: PLC0415 - cycle

        return ActivityService(self)
