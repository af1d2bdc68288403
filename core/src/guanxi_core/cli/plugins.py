"""`guanxi plugins`: list installed plugins; enable, disable and purge them."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from guanxi_core import migrate, plugin_admin
from guanxi_core.access import system_actor
from guanxi_core.app import App
from guanxi_core.cli import plugin_dev
from guanxi_core.cli._runtime import Runtime, current, echo, fail
from guanxi_core.i18n import _
from guanxi_core.loader import PluginStatus

cli = typer.Typer(
    name="plugins", help="List, enable, disable and purge plugins.", invoke_without_command=True
)

NameArgument = Annotated[
    str, typer.Argument(help="The plugin's slug, as `guanxi plugins` lists it.")
]


def describe(runtime: Runtime, status: PluginStatus) -> dict[str, Any]:
    """A plugin's status as plain data (the objects of `guanxi plugins list --json`)."""
    plugin = status.plugin
    return {
        "slug": status.name,
        "title": runtime.t(plugin.title) if plugin else status.name,
        "state": status.state,
        "version": status.version or (plugin.version if plugin else None),
        "distribution": status.distribution,
        "builtin": status.builtin,
        "requires": list(plugin.requires) if plugin else [],
        "reason": status.reason,
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    table = Table(box=None, pad_edge=False)
    for column in ("slug", "state", "version", "distribution", "builtin", "reason"):
        table.add_column(column, overflow="fold")
    styles = {"enabled": "green", "disabled": "dim", "failed": "red", "incompatible": "yellow"}
    for row in rows:
        table.add_row(
            row["slug"],
            f"[{styles[row['state']]}]{row['state']}[/]",
            row["version"] or "",
            row["distribution"] or "",
            "yes" if row["builtin"] else "",
            row["reason"],
        )
    Console(soft_wrap=False).print(table)


@cli.callback()
def plugins(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List installed plugins when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        list_plugins(as_json)


@cli.command("list")
def list_plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Every installed plugin: slug, state, version, distribution, builtin and reason."""
    runtime = current()
    rows = [describe(runtime, s) for s in runtime.plugin_view().statuses.values()]
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print_table(rows)


def _status(runtime: Runtime, app: App, name: str) -> PluginStatus:
    try:
        return plugin_admin.status_of(app, name)
    except plugin_admin.PluginRefused as refused:
        _refuse(runtime, refused)


# The command line names the command that fixes a missing requirement.
_CLI_MESSAGES = {
    "requires": _(
        "cannot enable {name}: it requires {missing} — run `guanxi plugins enable {first}` first"
    ),
}


def _refuse(runtime: Runtime, refused: plugin_admin.PluginRefused) -> NoReturn:
    message = _CLI_MESSAGES.get(refused.code, refused.message)
    fail(runtime.t(message, **refused.params))


@cli.command()
def enable(name: NameArgument) -> None:
    """Enable a plugin and migrate its tables."""
    runtime = current()
    app = runtime.app()
    try:
        changed = plugin_admin.enable(app, name, system_actor())
    except plugin_admin.PluginRefused as refused:
        _refuse(runtime, refused)
    message = _("enabled {name}") if changed else _("{name} is already enabled")
    echo(runtime.t(message, name=name))


@cli.command()
def disable(name: NameArgument) -> None:
    """Disable a plugin: its screens and fields disappear, its data is kept."""
    runtime = current()
    app = runtime.app()
    try:
        changed = plugin_admin.disable(app, name, system_actor())
    except plugin_admin.PluginRefused as refused:
        _refuse(runtime, refused)
    message = (
        _("disabled {name} (its data is kept)") if changed else _("{name} is already disabled")
    )
    echo(runtime.t(message, name=name))


def _print_plan(runtime: Runtime, plan: migrate.PurgePlan) -> None:
    echo(runtime.t(_("Purging {name} drops:"), name=plan.slug))
    for table, rows in plan.tables:
        echo("  " + runtime.t(_("table {table} ({rows} rows)"), table=table, rows=rows))
    if plan.version_table:
        echo("  " + runtime.t(_("version table {table}"), table=plan.version_table))


@cli.command()
def purge(
    name: NameArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print what would be dropped.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop all of a plugin's tables and data, and disable it. Built-in plugins cannot be purged."""
    runtime = current()
    app = runtime.app()
    status = _status(runtime, app, name)
    plugin = status.plugin
    if plugin is None:
        fail(runtime.t(_("cannot purge {name}: {reason}"), name=name, reason=status.reason))
    plan = migrate.purge_plan(app.engine, plugin)
    empty = not plan.tables and not plan.version_table
    if empty:
        echo(runtime.t(_("{name} has no tables in this database"), name=name))
    else:
        _print_plan(runtime, plan)
    if dry_run:
        echo(runtime.t(_("dry run: nothing was changed")))
        return
    try:
        plugin_admin.refuse_if_required(app, name, purging=True)
        plugin_admin.refuse_if_behind(app)
        if not empty and not yes:
            typer.confirm(runtime.t(_("Drop these tables and all their rows?")), abort=True)
        plugin_admin.purge(app, name, system_actor())
    except plugin_admin.PluginRefused as refused:
        _refuse(runtime, refused)
    echo(runtime.t(_("purged {name}; it is now disabled"), name=name))


# Writing plugins: `guanxi plugins new` and `guanxi plugins check` (see plugin_dev.py).
cli.command("new")(plugin_dev.new)
cli.command("check")(plugin_dev.check)
