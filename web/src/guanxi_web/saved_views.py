"""Saved views: a user's named lists (search, filters, sort, columns) kept as query strings.

Every call is scoped to one user: another user's view is `NotFoundError`, exactly like a view
that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from guanxi_core import FieldError, NotFoundError, ValidationError, _
from guanxi_core.models import utcnow
from guanxi_web.tables import web_saved_view

MAX_VIEWS = 100
"""The most views one user keeps for one list."""
MAX_NAME = 80
MAX_QUERY = 2000
T = web_saved_view.c


@dataclass(frozen=True)
class SavedView:
    """One saved view.

    Attributes:
        id: its id.
        name: the name its owner gave it.
        query: the list's query string (`q=...&f.kind=person&sort=name`).
    """

    id: int
    name: str
    query: str


def _name(raw: object) -> str:
    name = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not name:
        raise ValidationError([FieldError("name", "required", _("Give the view a name."))])
    if len(name) > MAX_NAME:
        raise ValidationError(
            [FieldError("name", "max_length", _("At most {max} characters."), {"max": MAX_NAME})]
        )
    return name


def _query(raw: str) -> str:
    if len(raw) > MAX_QUERY:
        raise ValidationError(
            [FieldError("query", "max_length", _("This list is too long to be saved as a view."))]
        )
    return raw


def _taken() -> ValidationError:
    return ValidationError(
        [FieldError("name", "taken", _("You already have a view with this name."))]
    )


class SavedViews:
    """The saved views of one user for one list.

    Args:
        engine: the application's database.
        user_id: whose views.
        list_name: which list (`customers`).
    """

    def __init__(self, engine: Engine, user_id: int, list_name: str = "customers") -> None:
        self.engine = engine
        # Reads in AUTOCOMMIT: one statement, no BEGIN/ROLLBACK (on PostgreSQL a rollback makes
        # psycopg forget the connection's prepared statements).
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.user_id = user_id
        self.list_name = list_name

    def _mine(self) -> sa.ColumnElement[bool]:
        return sa.and_(T.user_id == self.user_id, T.list == self.list_name)

    def all(self) -> list[SavedView]:
        """The user's views, by name."""
        stmt = (
            sa.select(T.id, T.name, T.query)
            .where(self._mine())
            .order_by(T.name, T.id)
            .limit(MAX_VIEWS)
        )
        with self.reader.connect() as connection:
            return [SavedView(*row) for row in connection.execute(stmt)]

    def get(self, view_id: int) -> SavedView:
        """The user's view `view_id`; `NotFoundError` for a missing or another user's view."""
        stmt = sa.select(T.id, T.name, T.query).where(self._mine(), T.id == view_id)
        with self.reader.connect() as connection:
            row = connection.execute(stmt).first()
        if row is None:
            raise NotFoundError("saved_view", view_id)
        return SavedView(*row)

    def save(self, name: str, query: str) -> tuple[SavedView, bool]:
        """Save `query` as `name`, replacing the user's view of that name if there is one.

        Returns:
            The view, and whether it is new (False: an existing view was replaced).
        """
        name, query = _name(name), _query(query)
        now = utcnow()
        with self.engine.begin() as connection:
            existing = connection.execute(
                sa.select(T.id).where(self._mine(), T.name == name).with_for_update()
            ).scalar()
            if existing is not None:
                connection.execute(
                    sa.update(web_saved_view)
                    .where(T.id == existing)
                    .values(query=query, updated_at=now)
                )
                return SavedView(existing, name, query), False
            count = connection.execute(
                sa.select(sa.func.count()).select_from(web_saved_view).where(self._mine())
            ).scalar_one()
            if count >= MAX_VIEWS:
                raise ValidationError(
                    [
                        FieldError(
                            "name",
                            "too_many",
                            _("You have {max} saved views; delete one first."),
                            {"max": MAX_VIEWS},
                        )
                    ]
                )
            try:
                with connection.begin_nested():
                    new_id = connection.execute(
                        sa.insert(web_saved_view)
                        .values(
                            user_id=self.user_id,
                            list=self.list_name,
                            name=name,
                            query=query,
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(T.id)
                    ).scalar_one()
            except IntegrityError:  # saved under the same name at the same moment
                raise _taken() from None
        return SavedView(new_id, name, query), True

    def _change(self, view_id: int, **values: str) -> None:
        stmt = (
            sa.update(web_saved_view)
            .where(self._mine(), T.id == view_id)
            .values(updated_at=utcnow(), **values)
        )
        try:
            with self.engine.begin() as connection:
                if connection.execute(stmt).rowcount == 0:
                    raise NotFoundError("saved_view", view_id)
        except IntegrityError:
            raise _taken() from None

    def rename(self, view_id: int, name: str) -> SavedView:
        """Rename the user's view; `ValidationError` if another of their views has the name."""
        name = _name(name)
        self._change(view_id, name=name)
        return self.get(view_id)

    def update(self, view_id: int, query: str) -> SavedView:
        """Make the user's view show the list `query`."""
        self._change(view_id, query=_query(query))
        return self.get(view_id)

    def delete(self, view_id: int) -> SavedView:
        """Delete the user's view; returns what it was."""
        view = self.get(view_id)
        with self.engine.begin() as connection:
            connection.execute(sa.delete(web_saved_view).where(self._mine(), T.id == view_id))
        return view
