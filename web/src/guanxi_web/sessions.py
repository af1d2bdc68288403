"""Server-side sessions and sign-in throttling, stored in the database.

The cookie holds a random token; the table holds only its SHA-256, so a leaked table does not
leak usable sessions. Every worker reads the same table.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from guanxi_core import Actor, App, NotFoundError
from guanxi_core.models import utcnow
from guanxi_web.settings import WebSettings
from guanxi_web.tables import web_login_attempt, web_session

# Refresh `last_seen_at` at most this often, so reading a page is not always a write.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """The stored id of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random token (session id or CSRF token)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class WebSession:
    """A signed-in session as stored.

    Attributes:
        id: the hash of the cookie's token.
        user_id: the signed-in user.
        csrf_token: the token every unsafe request of this session must send.
        locale: the language chosen in this session, if any.
        last_seen_at: the time of the latest request.
    """

    id: str
    user_id: int
    csrf_token: str
    locale: str | None
    last_seen_at: datetime


class SessionStore:
    """Create, find, refresh and end sessions; count failed sign-ins."""

    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        self.engine = engine
        # Every request reads its session: one statement in AUTOCOMMIT, not BEGIN, SELECT,
        # COMMIT (two round trips more on PostgreSQL). The rare writes of `load` are single
        # statements, atomic on their own.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.settings = settings

    def create(self, user_id: int, locale: str | None = None) -> tuple[str, WebSession]:
        """Start a session for `user_id`; returns the cookie token and the session."""
        token = new_token()
        now = utcnow()
        session = WebSession(token_hash(token), user_id, new_token(), locale, now)
        with self.engine.begin() as connection:
            connection.execute(
                web_session.insert().values(
                    id=session.id,
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    csrf_token=session.csrf_token,
                    locale=locale,
                )
            )
        return token, session

    def load(self, token: str) -> WebSession | None:
        """The live session of a cookie token; an idle-expired session is deleted."""
        found = self._load(token, None)
        return found[0] if found else None

    def load_signed_in(self, token: str, app: App) -> tuple[WebSession, Actor] | None:
        """The live session of a cookie token and its user, read in one statement.

        The session row, the user and the user's roles come in one round trip (the core's
        `App.actor_columns`/`actor_join`/`actor_from_rows`, so the permissions are the
        core's). None for no live session; a session whose user is no longer active (or no
        longer exists) is deleted and None returned.
        """
        found = self._load(token, app)
        if found is None:
            return None
        session, rows = found
        try:
            return session, app.actor_from_rows(session.user_id, rows)
        except NotFoundError:  # the user was deactivated or deleted
            self.delete(session.id)
            return None

    def _load(self, token: str, app: App | None) -> tuple[WebSession, list[sa.Row[Any]]] | None:
        if not token or len(token) > 200:
            return None
        sid = token_hash(token)
        columns: list[Any] = [
            web_session.c.user_id,
            web_session.c.csrf_token,
            web_session.c.locale,
            web_session.c.last_seen_at,
        ]
        statement = sa.select(*columns).where(web_session.c.id == sid)
        if app is not None:
            statement = (
                sa.select(*columns, *app.actor_columns())
                .select_from(app.actor_join(web_session, web_session.c.user_id))
                .where(web_session.c.id == sid)
            )
        with self.reader.connect() as connection:
            rows = list(connection.execute(statement))
            if not rows:
                return None
            row = rows[0]
            now = utcnow()
            if now - row.last_seen_at > self.settings.idle_timeout:
                connection.execute(web_session.delete().where(web_session.c.id == sid))
                return None
            if now - row.last_seen_at > TOUCH_EVERY:
                connection.execute(
                    web_session.update().where(web_session.c.id == sid).values(last_seen_at=now)
                )
        session = WebSession(sid, row.user_id, row.csrf_token, row.locale, row.last_seen_at)
        return session, rows

    def delete(self, session_id: str) -> None:
        """End a session."""
        with self.engine.begin() as connection:
            connection.execute(web_session.delete().where(web_session.c.id == session_id))

    def set_locale(self, session_id: str, locale: str) -> None:
        """Remember the language chosen in a session."""
        with self.engine.begin() as connection:
            connection.execute(
                web_session.update().where(web_session.c.id == session_id).values(locale=locale)
            )

    # -- throttling -----------------------------------------------------------------------------
    def too_many_failures(self, username: str, ip: str) -> bool:
        """Whether `username` from `ip` failed to sign in too often lately."""
        since = utcnow() - self.settings.login_window
        with self.engine.connect() as connection:
            count = connection.execute(
                sa.select(sa.func.count())
                .select_from(web_login_attempt)
                .where(
                    web_login_attempt.c.username == username[:80],
                    web_login_attempt.c.ip == ip[:64],
                    web_login_attempt.c.at > since,
                )
            ).scalar_one()
        return int(count) >= self.settings.login_max_failures

    def record_failure(self, username: str, ip: str) -> None:
        """Count a failed sign-in (and forget those older than the window)."""
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(
                web_login_attempt.delete().where(
                    web_login_attempt.c.at < now - self.settings.login_window
                )
            )
            connection.execute(
                web_login_attempt.insert().values(username=username[:80], ip=ip[:64], at=now)
            )

    def clear_failures(self, username: str, ip: str) -> None:
        """Forget the failed sign-ins of `username` from `ip` (after a successful one)."""
        with self.engine.begin() as connection:
            connection.execute(
                web_login_attempt.delete().where(
                    web_login_attempt.c.username == username[:80],
                    web_login_attempt.c.ip == ip[:64],
                )
            )
