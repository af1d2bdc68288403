"""`guanxi demo`: build a bilingual demo database and start the web UI if it is installed."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from guanxi_core import migrate
from guanxi_core.cli._runtime import Runtime, current, echo

if TYPE_CHECKING:
    from guanxi_core.demo import Login

DEMO_DATABASE_URL = "sqlite:///guanxi-demo.db"


class DemoLocale(StrEnum):
    """The languages of the demo data."""

    EN = "en"
    ZH_CN = "zh_CN"


def demo_database_url(database: str | None) -> str:
    """`--database`, else `GUANXI_DATABASE_URL`, else `guanxi-demo.db` in the current folder."""
    return database or os.environ.get("GUANXI_DATABASE_URL") or DEMO_DATABASE_URL


def _print_logins(logins: list[Login], locale: str) -> None:
    from guanxi_core import demo as demo_data  # noqa: PLC0415 - see `demo`

    if not logins:
        return
    echo(demo_data.text(locale, "logins"))
    table = Table(box=None, pad_edge=False)
    for key in ("role", "name", "username", "password"):
        table.add_column(demo_data.text(locale, key))
    for login in logins:
        table.add_row(
            demo_data.text(locale, login.role), login.display_name, login.username, login.password
        )
    Console(soft_wrap=False).print(table)


def _serve_command(ctx: typer.Context) -> Any:
    """The `serve` command a plugin (the web UI) added, or None."""
    root = ctx.find_root()
    if not isinstance(root.command, TyperGroup):
        return None
    return root.command.get_command(root, "serve")


def demo(
    ctx: typer.Context,
    seed_only: Annotated[bool, typer.Option(
        "--seed-only", help="Build the demo database and print the logins; do not start the UI.",
    )] = False,
    database: Annotated[str | None, typer.Option(
        help="Database URL (default: GUANXI_DATABASE_URL, else sqlite:///guanxi-demo.db).",
    )] = None,
    locale: Annotated[DemoLocale | None, typer.Option(
        help="Language of the demo data and logins (default: GUANXI_LOCALE, else en).",
    )] = None,
    customers: Annotated[int, typer.Option(
        min=1, max=100_000, help="How many customers to create.",
    )] = 300,
) -> None:
    """Build a demo database (users, customers, activities) once, then start the web UI."""
    # Faker is imported only when a demo is built, not on every `guanxi` command.
    from guanxi_core import demo as demo_data  # noqa: PLC0415

    runtime: Runtime = current()
    language = locale.value if locale else runtime.locale
    url = demo_database_url(database)
    app = runtime.app(url)
    migrate.upgrade(app)
    shown = url if "@" not in url else app.engine.url.render_as_string(hide_password=True)
    if demo_data.has_customers(app):
        echo(demo_data.text(language, "skipped", database=shown))
        logins = demo_data.existing_logins(app, language)
    else:
        summary = demo_data.seed(app, locale=language, customers=customers)
        echo(demo_data.text(
            language, "seeded", customers=summary.customers,
            organizations=summary.organizations, activities=summary.activities, database=shown,
        ))
        logins = summary.logins
    _print_logins(logins, language)
    serve = _serve_command(ctx)
    if seed_only:
        if serve is not None:
            command = "guanxi serve" if url == runtime.settings.database_url else (
                f"GUANXI_DATABASE_URL={shown} guanxi serve"
            )
            echo(demo_data.text(language, "serve_hint", command=command))
        return
    if serve is None:
        echo(demo_data.text(language, "no_web"))
        return
    # The web UI reads the configured database: point it (and any worker process) at the demo.
    runtime.use_database(url)
    os.environ["GUANXI_DATABASE_URL"] = url
    echo(demo_data.text(language, "serve"))
    with serve.make_context("serve", [], parent=ctx) as serve_ctx:
        serve.invoke(serve_ctx)
