"""The migrations of a plugin on an empty database, and the schema they make."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import inspect as inspect_db
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from guanxi_core import migrate
from guanxi_core.builtins import plugin as core_plugin
from guanxi_core.conformance._report import Report, error_line
from guanxi_core.db import make_engine
from guanxi_core.i18n import LazyText, _
from guanxi_core.plugin import Plugin


# -- migrations and the migrated schema ------------------------------------------------------------
@contextmanager
def _scratch_database(url: str | None) -> Iterator[Engine]:
    if url is not None:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="guanxi-check-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'check.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect_db(engine).get_table_names())


def check_migrations(
    plugin: Plugin, required: list[Plugin], database_url: str | None, report: Report
) -> None:
    declared = set(migrate.target_metadata(plugin).tables)
    if plugin.migrations is None:
        if declared:
            report.add(
                _(
                    "the tables {tables} are declared but the plugin ships no migrations "
                    "(Plugin(migrations=...))"
                ),
                tables=", ".join(sorted(declared)),
            )
        return
    try:
        folder = plugin.migrations_path()
    except ModuleNotFoundError:
        folder = None
    if folder is None or not (folder / "versions").is_dir():
        report.add(
            _("the migrations package {package} has no versions/ folder"), package=plugin.migrations
        )
        return
    try:
        shown = make_url(database_url).render_as_string() if database_url else "sqlite"
    except ArgumentError:
        shown = str(database_url)
    try:
        with _scratch_database(database_url) as engine:
            if _tables(engine):
                report.add(
                    _(
                        "the database {url} is not empty; the migrations are checked on "
                        "an empty database"
                    ),
                    url=shown,
                )
                return
            _migrate(engine, plugin, required, declared, report)
    except (SQLAlchemyError, ImportError) as exc:  # it cannot be opened or reached
        report.add(
            _("the database {url} cannot be used: {error}"), url=shown, error=error_line(exc)
        )


def _migrate(
    engine: Engine, plugin: Plugin, required: list[Plugin], declared: set[str], report: Report
) -> None:
    try:
        for other in [p for p in (core_plugin, *required) if p is not plugin]:
            migrate.upgrade_plugin(engine, other)
    except Exception as exc:
        report.add(
            _("the core or a required plugin cannot be migrated: {error}"), error=error_line(exc)
        )
        return
    baseline = _tables(engine) | {migrate.version_table(plugin.slug)}
    steps: list[tuple[LazyText, Callable[[], None]]] = [
        (_("upgrade to head"), lambda: migrate.upgrade_plugin(engine, plugin)),
        (_("downgrade to base"), lambda: migrate.downgrade_plugin(engine, plugin, "base")),
        (_("upgrade after the downgrade"), lambda: migrate.upgrade_plugin(engine, plugin)),
    ]
    for index, (step, run) in enumerate(steps):
        try:
            run()
        except Exception as exc:
            report.add(
                _("the migrations fail on {step}: {error}"), step=step, error=error_line(exc)
            )
            return
        created = _tables(engine) - baseline
        if index == 0:
            for table in sorted(created - declared):
                report.add(
                    _("the migrations create the table {table}, which the plugin does not declare"),
                    table=repr(table),
                )
            try:
                _check_schema(engine, plugin, report)
            except Exception as exc:
                report.add(
                    _("the migrated schema cannot be compared with the declaration: {error}"),
                    error=error_line(exc),
                )
        elif index == 1:
            for table in sorted(created):
                report.add(
                    _("the table {table} is left after a downgrade to base"), table=repr(table)
                )


def _check_schema(engine: Engine, plugin: Plugin, report: Report) -> None:
    from alembic.autogenerate import compare_metadata  # noqa: PLC0415
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    metadata = migrate.target_metadata(plugin)
    own = set(metadata.tables)

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare: Any) -> bool:
        return name in own if type_ == "table" else True

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        diffs = compare_metadata(context, metadata)
    for diff in diffs:
        for change in diff if isinstance(diff, list) else [diff]:
            _describe_change(tuple(change), report)


def _describe_change(change: tuple[Any, ...], report: Report) -> None:
    kind = change[0]
    if kind == "add_table":
        report.add(
            _("the table {table} is declared but no migration creates it"),
            table=repr(change[1].name),
        )
    elif kind in {"add_column", "remove_column"}:
        column = f"{change[2]}.{change[3].name}"
        if kind == "add_column":
            report.add(
                _("the column {column} is declared but no migration creates it"),
                column=repr(column),
            )
        else:
            report.add(
                _("the migrations create the column {column}, which is not declared"),
                column=repr(column),
            )
    elif kind == "modify_type":
        report.add(
            _(
                "the column {column} has the type {migrated} after the migrations but "
                "{declared} as declared"
            ),
            column=repr(f"{change[2]}.{change[3]}"),
            migrated=change[5],
            declared=change[6],
        )
    elif kind == "modify_nullable":
        column = repr(f"{change[2]}.{change[3]}")
        if change[6]:
            report.add(
                _(
                    "the column {column} is NOT NULL after the migrations but may be "
                    "empty as declared"
                ),
                column=column,
            )
        else:
            report.add(
                _(
                    "the column {column} may be empty after the migrations but is NOT "
                    "NULL as declared"
                ),
                column=column,
            )
    elif kind in {"add_index", "remove_index"}:
        index = change[1]
        params = {"index": repr(index.name), "table": repr(index.table.name)}
        if kind == "add_index":
            report.add(
                _("the index {index} on {table} is declared but no migration creates it"), **params
            )
        else:
            report.add(
                _("the migrations create the index {index} on {table}, which is not declared"),
                **params,
            )
    elif kind == "add_fk":
        constraint = change[1]
        columns = ", ".join(c.name for c in constraint.columns)
        report.add(
            _("the foreign key of {table} ({columns}) is declared but no migration creates it"),
            table=repr(constraint.table.name),
            columns=columns,
        )
    elif kind != "remove_fk":
        # Foreign keys to the core's tables cannot always be declared in a plugin's own
        # metadata (the web's are created by its migrations only), so extra ones are fine.
        report.add(
            _("the migrated schema differs from the declaration: {change}"),
            change=f"{kind} {change[1:]!r}",
        )
