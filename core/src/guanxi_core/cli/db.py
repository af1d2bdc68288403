"""`guanxi db`: migrate the database and check that it is current."""

from __future__ import annotations

from collections.abc import Iterable

import typer

from guanxi_core import migrate
from guanxi_core.app import App
from guanxi_core.cli._runtime import current, echo, fail
from guanxi_core.i18n import _
from guanxi_core.plugin import Plugin

cli = typer.Typer(
    name="db", help="Migrate the database and check its schema.", no_args_is_help=True
)


def _revisions(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "(none)"


def behind_reason(states: Iterable[migrate.MigrationState]) -> str:
    """One line saying which plugins are behind, and the command that fixes it."""
    details = "; ".join(
        f"{s.slug} at {_revisions(s.current)}, head {_revisions(s.heads)}" for s in states
    )
    return current().t(
        _("database is behind: {details} — run `guanxi db upgrade`"), details=details
    )


def require_current(app: App, plugins: Iterable[Plugin] | None = None) -> None:
    """Exit with the reason unless `plugins` (by default the core) are migrated to their heads."""
    chosen = list(plugins) if plugins is not None else [app.plugin("core")]
    behind = [
        s for s in (migrate.state(app.engine, p) for p in chosen if p.migrations) if s.behind
    ]
    if behind:
        fail(behind_reason(behind))


@cli.command()
def upgrade() -> None:
    """Migrate the core, then each enabled plugin in dependency order, to their latest schema."""
    runtime = current()
    app = runtime.app()
    for slug in migrate.upgrade(app):
        plugin = app.plugin(slug)
        if plugin.migrations:
            state = migrate.state(app.engine, plugin)
            echo(runtime.t(
                _("{slug}: at {revision}"), slug=slug, revision=_revisions(state.current)
            ))
    echo(runtime.t(_("database is up to date")))


@cli.command()
def check() -> None:
    """Exit with a non-zero status, and say why, if the schema is behind the installed code."""
    runtime = current()
    behind = migrate.check(runtime.app())
    if behind:
        fail(behind_reason(behind))
    echo(runtime.t(_("up to date")))
