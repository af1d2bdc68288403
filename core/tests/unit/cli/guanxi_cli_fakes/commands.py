"""Plugins adding commands through the `register_commands` hook."""

from __future__ import annotations

from collections.abc import Callable

import typer

from guanxi_core import Plugin
from guanxi_core.cli import current_app


def with_commands(plugin: Plugin, add: Callable[[typer.Typer], None]) -> Plugin:
    """Give `plugin` a `register_commands` hook that calls `add(cli)`."""

    def register_commands(cli: typer.Typer) -> None:
        add(cli)

    plugin.hook(register_commands)
    return plugin


def _hello(cli: typer.Typer) -> None:
    @cli.command()
    def hello(name: str = "world") -> None:
        """Say hello."""
        typer.echo(f"hello {name} ({len(current_app().statuses)} plugins)")


def _serve(cli: typer.Typer) -> None:
    @cli.command()
    def serve(port: int = 8000) -> None:
        """Pretend to serve the web UI."""
        typer.echo(f"serving {current_app().settings.database_url} on port {port}")


def _clash(cli: typer.Typer) -> None:
    @cli.command("db")
    def db() -> None:
        """Take a name the core uses."""


def _explode(cli: typer.Typer) -> None:
    raise RuntimeError("cannot build my commands")


greeter = with_commands(Plugin("greeter", "Greeter"), _hello)
server = with_commands(Plugin("server", "Fake web UI", builtin=True), _serve)
clasher = with_commands(Plugin("clasher", "Clasher", builtin=True), _clash)
exploder = with_commands(Plugin("exploder", "Exploder", builtin=True), _explode)
