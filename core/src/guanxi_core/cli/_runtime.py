"""What every command shares: the settings, the applications, errors and output helpers."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from guanxi_core.app import App, create_app
from guanxi_core.errors import GuanxiError, ValidationError
from guanxi_core.i18n import LazyText, normalize_locale
from guanxi_core.settings import Settings


def one_line(text: str) -> str:
    """`text` with its line breaks folded, so an error is always one line."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _missing_sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    if database in {"", ":memory:"} or database.startswith("file:"):
        return False
    return not Path(database).exists()


class Runtime:
    """The state of one `guanxi` invocation.

    Applications are created lazily, one per database URL, and disposed by `close`.

    Args:
        settings: the settings the command line was started with (`Settings.from_env()`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._apps: dict[str, App] = {}
        self._view: App | None = None

    @property
    def locale(self) -> str:
        """The language of messages (`GUANXI_LOCALE`, English by default)."""
        return normalize_locale(self.settings.default_locale)

    def plugin_view(self) -> App:
        """The application whose enabled plugins add commands to the command line.

        When the configured SQLite file does not exist yet, the plugins are read against an
        in-memory database, so that `guanxi --help` does not leave an empty file behind.
        """
        if self._view is None:
            if _missing_sqlite_file(self.settings.database_url):
                self._view = create_app(replace(self.settings, database_url="sqlite://"))
            else:
                self._view = self.app()
        return self._view

    def app(self, url: str | None = None) -> App:
        """The application on `url` (by default the configured database), created once."""
        url = url or self.settings.database_url
        if url not in self._apps:
            self._apps[url] = create_app(replace(self.settings, database_url=url))
        return self._apps[url]

    def use_database(self, url: str) -> None:
        """Make `url` the configured database for the rest of this invocation."""
        self.settings = replace(self.settings, database_url=url)

    def t(self, text: LazyText | str, **params: Any) -> str:
        """`text` translated into the message language, placeholders filled."""
        app = self._view or next(iter(self._apps.values()), None)
        if app is None:
            return text.msgid.format(**params) if isinstance(text, LazyText) else text
        return app.translator.gettext(text, self.locale, **params)

    def close(self) -> None:
        """Dispose of every engine opened by this invocation."""
        for app in {id(a): a for a in [*self._apps.values(), self._view] if a}.values():
            app.engine.dispose()
        self._apps.clear()
        self._view = None


_current: ContextVar[Runtime | None] = ContextVar("guanxi_cli_runtime", default=None)


def current() -> Runtime:
    """The runtime of the command being run (for commands, also those added by plugins)."""
    runtime = _current.get()
    if runtime is None:
        raise RuntimeError("not inside a guanxi command")
    return runtime


def current_app() -> App:
    """The application on the configured database, for the command being run."""
    return current().app()


def echo(message: str) -> None:
    """Print a line on standard output."""
    typer.echo(message)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` as one line on standard error and exit with `code`."""
    typer.echo(f"error: {one_line(message)}", err=True)
    raise typer.Exit(code)


class GuanxiGroup(TyperGroup):
    """The root command group: turns the errors a user can cause into one line, never a trace."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; report `GuanxiError` and database errors in one line, exit 1."""
        runtime = ctx.find_object(Runtime)
        token = _current.set(runtime)
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            for error in exc.errors:
                text = (
                    runtime.t(error.message, **error.params) if runtime
                    else str(error.message).format(**error.params)
                )
                typer.echo(f"error: {error.field or '*'}: {one_line(text)}", err=True)
            raise typer.Exit(1) from None
        except GuanxiError as exc:
            fail(str(exc))
        except OperationalError as exc:
            fail(f"database error: {one_line(str(exc.orig or exc))}")
        finally:
            _current.reset(token)


def configure_logging() -> None:
    """Show warnings from the core as one line each, without tracebacks."""
    root = logging.getLogger()
    if root.handlers:
        return

    class _OneLineFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return f"{record.levelname.lower()}: {one_line(record.getMessage())}"

    handler = logging.StreamHandler()
    handler.setFormatter(_OneLineFormatter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
