"""The `guanxi` command line: database, plugins, users, jobs and the demo, plus plugins' commands.

`main` is the console script. `build_cli` builds the command tree for one `Runtime` (tests
invoke it with `typer.testing.CliRunner`). Enabled plugins add commands through the
`register_commands(cli)` hook; a command of theirs finds the application with `current_app()`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer
import typer.main

from guanxi_core.app import App
from guanxi_core.cli import db, jobs, plugins, users
from guanxi_core.cli._runtime import (
    GuanxiGroup,
    Runtime,
    configure_logging,
    current,
    current_app,
    one_line,
)
from guanxi_core.cli.demo import demo
from guanxi_core.errors import GuanxiError, PluginError
from guanxi_core.settings import Settings

__all__ = ["Runtime", "build_cli", "current", "current_app", "main"]

logger = logging.getLogger(__name__)


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"guanxi-core {version('guanxi-core')}")
        except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
            typer.echo("guanxi-core (unknown version)")
        raise typer.Exit


def _names(commands: Sequence[typer.models.CommandInfo],
           groups: Sequence[typer.models.TyperInfo]) -> set[str]:
    probe = typer.Typer()
    probe.registered_commands = list(commands)
    probe.registered_groups = list(groups)
    return set(typer.main.get_group(probe).commands)


def _add_plugin_commands(root: typer.Typer, app: App) -> list[str]:
    """Let each enabled plugin add commands; returns `slug: reason` for each that failed.

    A plugin whose hook raises, or which claims a command name already taken, adds nothing.
    """
    failures: list[str] = []
    for impl in app.hook.register_commands.get_hookimpls():
        slug = str(impl.plugin_name).split(":", 1)[0]
        commands, groups = len(root.registered_commands), len(root.registered_groups)
        taken = _names(root.registered_commands, root.registered_groups)
        try:
            impl.function(cli=root)
            added = _names(root.registered_commands[commands:], root.registered_groups[groups:])
            clash = sorted(added & taken)
            if clash:
                raise PluginError(f"command(s) already taken: {', '.join(clash)}")
        except Exception as exc:  # one plugin's failure is reported, not fatal
            del root.registered_commands[commands:]
            del root.registered_groups[groups:]
            reason = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
            failures.append(f"{slug}: could not add commands: {one_line(reason)}")
    return failures


def build_cli(runtime: Runtime | None = None) -> typer.Typer:
    """The `guanxi` command tree, with the commands of enabled plugins.

    Args:
        runtime: the invocation's state; by default built from `Settings.from_env()`.

    Returns:
        The root Typer application.

    Raises:
        PluginError: in strict mode (`GUANXI_STRICT_PLUGINS=1`), when any plugin failed to load
            or to add its commands.
    """
    runtime = runtime or Runtime(Settings.from_env())
    root = typer.Typer(
        name="guanxi",
        cls=GuanxiGroup,
        help="Guanxi: a plugin-based CRM.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        context_settings={"obj": runtime, "help_option_names": ["-h", "--help"]},
    )

    @root.callback()
    def guanxi(
        show_version: Annotated[bool, typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit.",
        )] = False,
    ) -> None:
        """Guanxi: a plugin-based CRM. The database is GUANXI_DATABASE_URL."""

    root.add_typer(db.cli)
    root.add_typer(plugins.cli)
    root.add_typer(users.cli)
    root.add_typer(jobs.cli)
    root.command("demo")(demo)
    app = runtime.plugin_view()
    failures = _add_plugin_commands(root, app)
    if failures and runtime.settings.strict_plugins:
        raise PluginError("plugins failed to load: " + "; ".join(failures))
    for failure in failures:
        logger.warning("%s", failure)
    return root


def main(args: Sequence[str] | None = None) -> None:
    """Run the `guanxi` command line (the console script).

    Args:
        args: the arguments; by default those of the process.
    """
    configure_logging()
    runtime = Runtime(Settings.from_env())
    try:
        try:
            root = build_cli(runtime)
        except GuanxiError as exc:
            typer.echo(f"error: {one_line(str(exc))}", err=True)
            raise SystemExit(1) from None
        root(args=list(args) if args is not None else None, prog_name="guanxi")
    finally:
        runtime.close()
