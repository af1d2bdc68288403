"""`guanxi serve`: run the web UI under uvicorn (added through `register_commands`)."""

from __future__ import annotations

from typing import Annotated

import typer

from guanxi_core import migrate
from guanxi_core.cli import current_app
from guanxi_core.cli.db import behind_reason
from guanxi_web._plugin import plugin


def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (they share sessions through the database).",
        ),
    ] = 1,
) -> None:
    """Serve the web UI on the configured database (GUANXI_DATABASE_URL)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from guanxi_web.web_app import create_web_app  # noqa: PLC0415

    app = current_app()
    behind = migrate.check(app)
    if behind:
        typer.echo(f"error: {behind_reason(behind)}", err=True)
        raise typer.Exit(1)
    typer.echo(f"http://{host}:{port}")
    if workers == 1:
        uvicorn.run(create_web_app(app), host=host, port=port, proxy_headers=True)
    else:
        uvicorn.run(
            "guanxi_web.asgi:create_asgi_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
        )


@plugin.hook
def register_commands(cli: typer.Typer) -> None:
    """Add `guanxi serve`."""
    cli.command("serve")(serve)
