"""Migrations: Alembic, one environment and version table (`alembic_version_<slug>`) per plugin.

The core migrates first, then plugins in dependency order. Each plugin's `migrations` package
holds a `versions/` folder of ordinary Alembic revision files; no `env.py` is needed: the
environment is configured here, with an `include_object` filter on the plugin's table prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, func, inspect, select, table
from sqlmodel import SQLModel

from guanxi_core.errors import PluginError

if TYPE_CHECKING:
    from guanxi_core.app import App
    from guanxi_core.plugin import Plugin


def version_table(slug: str) -> str:
    """The Alembic version table of plugin `slug`."""
    return f"alembic_version_{slug}"


def target_metadata(plugin: Plugin) -> MetaData:
    """The tables a plugin's migrations manage (the core's are SQLModel's)."""
    return SQLModel.metadata if plugin.slug == "core" else plugin.metadata


def _script(plugin: Plugin) -> tuple[Config, ScriptDirectory]:
    path = plugin.migrations_path()
    if path is None:
        raise PluginError(f"plugin {plugin.slug} ships no migrations")
    config = Config()
    config.set_main_option("script_location", str(path))
    return config, ScriptDirectory.from_config(config)


def _include(plugin: Plugin) -> Callable[..., bool]:
    own = set(target_metadata(plugin).tables)

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table":
            return name in own
        return True

    return include_object


def _run(connection: Connection, plugin: Plugin, revision: str, *, upgrade: bool) -> None:
    config, script = _script(plugin)

    def step(rev: Any, _context: Any) -> Any:
        if upgrade:
            return script._upgrade_revs(revision, rev)
        return script._downgrade_revs(revision, rev)

    with EnvironmentContext(config, script, fn=step, destination_rev=revision) as env:
        env.configure(
            connection=connection,
            target_metadata=target_metadata(plugin),
            version_table=version_table(plugin.slug),
            include_object=_include(plugin),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with env.begin_transaction():
            env.run_migrations()


def upgrade_plugin(engine: Engine, plugin: Plugin, revision: str = "heads") -> None:
    """Upgrade one plugin's tables to `revision`."""
    if plugin.migrations is None:
        if plugin.metadata.tables:
            raise PluginError(
                f"plugin {plugin.slug} declares tables "
                f"({', '.join(sorted(plugin.metadata.tables))}) but ships no migrations"
            )
        return
    with engine.begin() as connection:
        _run(connection, plugin, revision, upgrade=True)


def downgrade_plugin(engine: Engine, plugin: Plugin, revision: str = "base") -> None:
    """Downgrade one plugin's tables to `revision` (`base` drops them all)."""
    if plugin.migrations is None:
        return
    with engine.begin() as connection:
        _run(connection, plugin, revision, upgrade=False)


def upgrade(app: App, plugins: Iterable[Plugin] | None = None) -> list[str]:
    """Upgrade the core, then each enabled plugin in dependency order; returns their slugs."""
    done: list[str] = []
    for plugin in plugins if plugins is not None else app.enabled_plugins:
        upgrade_plugin(app.engine, plugin)
        done.append(plugin.slug)
    return done


@dataclass
class MigrationState:
    """Where a plugin's schema stands: the revisions applied and the heads shipped."""

    slug: str
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def behind(self) -> bool:
        """Whether the database lacks revisions the plugin ships."""
        return set(self.current) != set(self.heads)


def state(engine: Engine, plugin: Plugin) -> MigrationState:
    """The migration state of one plugin."""
    _config, script = _script(plugin)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": version_table(plugin.slug)}
        )
        current = tuple(sorted(context.get_current_heads()))
    return MigrationState(plugin.slug, current, tuple(sorted(script.get_heads())))


def check(app: App) -> list[MigrationState]:
    """The enabled plugins whose schema is behind (empty when all are current)."""
    return [
        s for s in (state(app.engine, p) for p in app.enabled_plugins if p.migrations) if s.behind
    ]


@dataclass
class PurgePlan:
    """What purging a plugin drops: its tables with their row counts, and its version table."""

    slug: str
    tables: list[tuple[str, int]]
    version_table: str | None


def purge_plan(engine: Engine, plugin: Plugin) -> PurgePlan:
    """What `purge` would drop, without dropping anything."""
    if plugin.builtin:
        raise PluginError(f"{plugin.slug} is built in; it can be disabled, not purged")
    existing = set(inspect(engine).get_table_names())
    counts: list[tuple[str, int]] = []
    with engine.connect() as connection:
        for name in sorted(plugin.metadata.tables):
            if name in existing:
                total = connection.execute(select(func.count()).select_from(table(name))).scalar()
                counts.append((name, int(total or 0)))
    vt = version_table(plugin.slug)
    return PurgePlan(plugin.slug, counts, vt if vt in existing else None)


def purge(engine: Engine, plugin: Plugin) -> PurgePlan:
    """Drop a plugin's tables (its migrations down to base, then any left) and version table."""
    plan = purge_plan(engine, plugin)
    downgrade_plugin(engine, plugin, "base")
    remaining: Sequence[str] = [n for n, _rows in plan.tables if inspect(engine).has_table(n)]
    with engine.begin() as connection:
        for name in reversed(sorted(plugin.metadata.tables)):
            if name in remaining:
                plugin.metadata.tables[name].drop(connection)
        if plan.version_table:
            table_obj = MetaData()
            from sqlalchemy import Table  # noqa: PLC0415

            Table(plan.version_table, table_obj, autoload_with=connection).drop(connection)
    return plan
