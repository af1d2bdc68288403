"""`guanxi plugins new` and `guanxi plugins check`: start a plugin, and check it before shipping.

Both are commands of the `plugins` group (registered in `cli/plugins.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from guanxi_core import conformance, scaffold
from guanxi_core.cli._runtime import Runtime, current, echo, fail, one_line
from guanxi_core.i18n import LazyText, _

SUMMARY = _(
    "{slug} {version} conforms: {tables} table(s), {permissions} permission(s), {kinds} "
    "activity kind(s), {pages} page(s), {panels} panel(s), {templates} template(s), "
    "{messages} translated message(s)"
)


def _text(runtime: Runtime, message: LazyText, params: dict[str, Any]) -> str:
    """`message` in the user's language, with translatable values translated too."""
    values = {k: runtime.t(v) if isinstance(v, LazyText) else v for k, v in params.items()}
    return one_line(runtime.t(message, **values))


def new(
    name: Annotated[
        str, typer.Argument(help="The plugin's slug: a lower-case identifier, e.g. `acme`.")
    ],
    path: Annotated[
        Path, typer.Option("--path", help="The directory to create `guanxi-NAME/` in.")
    ] = Path(),
    title: Annotated[
        str | None, typer.Option("--title", help="Its display name (default: NAME, capitalised).")
    ] = None,
) -> None:
    """Generate a working plugin package: manifest, field, workflow, page, panel, tests."""
    runtime = current()
    try:
        created = scaffold.generate(name, path, title=title)
    except scaffold.ScaffoldError as exc:
        fail(_text(runtime, exc.message, exc.params))
    echo(runtime.t(_("created {path}"), path=str(created)))
    echo(
        runtime.t(
            _(
                "next: `pip install -e {path}[test]`, then `pytest {path}` and "
                "`guanxi plugins check {path}`"
            ),
            path=str(created),
        )
    )


def check(
    target: Annotated[
        str,
        typer.Argument(
            help="An installed plugin's name, or a plugin project's directory (not installed)."
        ),
    ],
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="An empty database to run the migrations on (default: a temporary SQLite file).",
        ),
    ] = None,
) -> None:
    """Check a plugin before shipping it; one line per problem, exit 1 when there are any."""
    runtime = current()
    report = conformance.inspect_plugin(target, database_url=database)
    if report.problems:
        for problem in report.problems:
            echo(_text(runtime, problem.message, dict(problem.params)))
        typer.echo(
            "error: "
            + runtime.t(
                _("{target}: {count} problem(s)"), target=target, count=len(report.problems)
            ),
            err=True,
        )
        raise typer.Exit(1)
    counts = {
        key: report.counts.get(key, 0)
        for key in ("tables", "permissions", "kinds", "pages", "panels", "templates", "messages")
    }
    echo(runtime.t(SUMMARY, slug=report.slug, version=report.version or "?", **counts))
