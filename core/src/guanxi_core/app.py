"""The application: settings, database, one plugin manager and the registries it fills."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import pluggy
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from guanxi_core import hookspecs
from guanxi_core.access import Actor, Permission, Role
from guanxi_core.db import make_engine
from guanxi_core.errors import NotFoundError, PluginError
from guanxi_core.fields import Extension, FieldRegistry, core_fields
from guanxi_core.i18n import LazyText, Translator
from guanxi_core.jobs import JobSpec, job_problems
from guanxi_core.kinds import ActivityKind
from guanxi_core.loader import PluginStatus, check_manifest, discover
from guanxi_core.models import PluginState, User, UserRole
from guanxi_core.plugin import Plugin
from guanxi_core.screens import AUTHENTICATED, PageSpec, PanelSpec
from guanxi_core.services._store import deny_all
from guanxi_core.services.context import Context
from guanxi_core.settings import Settings
from guanxi_core.workflows import Workflow

logger = logging.getLogger(__name__)

CORE_TABLES = frozenset(SQLModel.metadata.tables)


@dataclass
class RoleInfo:
    """A role as registered: its label and every permission any plugin grants it."""

    name: str
    label: LazyText | str
    permissions: set[str] = field(default_factory=set)


@dataclass
class _Declarations:
    permissions: list[Permission]
    roles: list[Role]
    kinds: list[ActivityKind]
    extensions: list[type[Extension]]
    workflows: list[Workflow]
    pages: list[PageSpec]
    panels: list[PanelSpec]
    jobs: list[JobSpec]


class App:
    """One Guanxi application instance. Create it with `create_app`.

    Attributes:
        settings: the settings it was created with.
        engine: the database engine.
        pm: its own pluggy manager (never a module global, so tests never leak plugins).
        statuses: what became of every plugin, by slug.
        fields: the field registry (core and plugin fields).
        permissions: every declared permission, by name.
        roles: every role with its permissions, by name.
        kinds: every activity kind, by key.
        workflows: every workflow, by name.
        tables: extension table name → owning plugin slug.
        pages: every plugin page (`/p/<slug>/...`), in registration order.
        panels: slot name → its panels, in display order.
        jobs: every job, by name (`<slug>.<name>`).
    """

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.statuses: dict[str, PluginStatus] = {}
        self.fields = FieldRegistry()
        for spec in core_fields():
            self.fields.add(spec)
        self.permissions: dict[str, Permission] = {}
        self.permission_owner: dict[str, str] = {}
        self.roles: dict[str, RoleInfo] = {}
        self.kinds: dict[str, ActivityKind] = {}
        self.workflows: dict[str, Workflow] = {}
        self.tables: dict[str, str] = {}
        self.pages: list[PageSpec] = []
        self.panels: dict[str, list[PanelSpec]] = {}
        self.jobs: dict[str, JobSpec] = {}
        self.translator = Translator([("guanxi_core", "guanxi_core")])
        # Derived once per app by services (e.g. the customer select with its joins); filled
        # after registration, so it never holds a half-registered state.
        self.cache: dict[str, Any] = {}
        # The same pool with AUTOCOMMIT connections, for reads (see Context.read).
        self.read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def hook(self) -> Any:
        """The hook caller: `app.hook.after_customer_save(...)`."""
        return self.pm.hook

    @property
    def enabled_plugins(self) -> list[Plugin]:
        """Enabled plugins in load order (dependencies first)."""
        return [s.plugin for s in self.statuses.values() if s.state == "enabled" and s.plugin]

    def plugin(self, slug: str) -> Plugin:
        """The installed plugin `slug` (enabled or not)."""
        status = self.statuses.get(slug)
        if status is None or status.plugin is None:
            raise NotFoundError("plugin", slug)
        return status.plugin

    # -- registration -------------------------------------------------------------------------
    def _collect(self, plugin: Plugin) -> _Declarations:
        names = {plugin.slug, f"{plugin.slug}:hooks"}

        def call(hook_name: str) -> list[Any]:
            out: list[Any] = []
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin_name in names:
                    out.extend(impl.function() or ())
            return out

        return _Declarations(
            call("register_permissions"),
            call("register_roles"),
            call("register_activity_kinds"),
            call("register_extensions"),
            call("register_workflows"),
            call("register_pages"),
            call("register_panels"),
            call("register_jobs"),
        )

    def _problems(self, plugin: Plugin, found: _Declarations) -> list[str]:
        problems: list[str] = []
        prefix = f"{plugin.slug}."
        for name in vars(plugin.hooks):
            if getattr(getattr(hookspecs, name, None), f"{hookspecs.PROJECT}_spec", None) is None:
                problems.append(f"hook {name!r} is not a Guanxi hook")
        for perm in found.permissions:
            if not perm.name.startswith(prefix):
                problems.append(f"permission {perm.name!r} is not namespaced {prefix}*")
            elif perm.name in self.permissions:
                problems.append(
                    f"permission {perm.name!r} is already declared by "
                    f"{self.permission_owner[perm.name]}"
                )
        for kind in found.kinds:
            if not kind.key.startswith(prefix):
                problems.append(f"activity kind {kind.key!r} is not namespaced {prefix}*")
            elif kind.key in self.kinds:
                problems.append(f"activity kind {kind.key!r} is already registered")
        for ext in found.extensions:
            table = ext.__table__.name
            if table in CORE_TABLES or table in self.tables:
                owner = "the core" if table in CORE_TABLES else self.tables[table]
                problems.append(f"table {table!r} is already owned by {owner}")
            elif not table.startswith(f"{plugin.slug}_"):
                problems.append(f"table {table!r} is not named {plugin.slug}_*")
        workflows = found.workflows + [k.workflow for k in found.kinds if k.workflow]
        for workflow in workflows:
            if workflow.name in self.workflows:
                problems.append(f"workflow {workflow.name!r} is already registered")
        problems.extend(self._screen_problems(plugin, found))
        problems.extend(job_problems(plugin.slug, found.jobs, self.jobs))
        return problems

    def _screen_problems(self, plugin: Plugin, found: _Declarations) -> list[str]:
        known = {*self.permissions, *(p.name for p in found.permissions), AUTHENTICATED}
        problems: list[str] = []
        routes = {(m, p.route_key) for p in self.pages for m in p.methods}
        for page in found.pages:
            declared = [*page.problems()]
            if page.plugin != plugin.slug:
                declared.append(f"page {page.path!r} is declared for plugin {page.plugin!r}")
            if page.permission not in known:
                declared.append(f"page {page.path!r}: unknown permission {page.permission!r}")
            for method in page.methods if not declared else ():
                if (method, page.route_key) in routes:
                    declared.append(f"route {method} {page.url} is declared twice")
                routes.add((method, page.route_key))
            problems.extend(declared)
        for panel in found.panels:
            problems.extend(panel.problems())
            if panel.plugin != plugin.slug:
                problems.append(f"panel {panel.name!r} is declared for plugin {panel.plugin!r}")
            if panel.permission is not None and panel.permission not in known:
                problems.append(f"panel {panel.name!r}: unknown permission {panel.permission!r}")
        return problems

    def _apply(self, plugin: Plugin, found: _Declarations) -> None:
        for perm in found.permissions:
            self.permissions[perm.name] = perm
            self.permission_owner[perm.name] = plugin.slug
        for role in found.roles:
            info = self.roles.setdefault(role.name, RoleInfo(role.name, role.label))
            info.permissions.update(role.permissions)
        for kind in found.kinds:
            self.kinds[kind.key] = kind
            if kind.workflow is not None:
                self.workflows[kind.workflow.name] = kind.workflow
        for workflow in found.workflows:
            self.workflows[workflow.name] = workflow
        for ext in found.extensions:
            self.tables[ext.__table__.name] = plugin.slug
            self.fields.add_extension(ext)
        self.pages.extend(found.pages)
        for panel in found.panels:
            slot = self.panels.setdefault(panel.slot, [])
            slot.append(panel)
            slot.sort(key=lambda p: p.order)  # stable: equal orders keep load order
        for job in found.jobs:
            self.jobs[job.name] = job

    def register(self, plugin: Plugin) -> None:
        """Register an enabled plugin's hooks and declarations; raise `PluginError` on collision.

        On failure nothing of the plugin stays registered.
        """
        missing = [r for r in plugin.requires if not self._is_enabled(r)]
        if missing:
            raise PluginError(f"requires plugin(s) not enabled: {', '.join(missing)}")
        self.pm.register(plugin, name=plugin.slug)
        if vars(plugin.hooks):
            self.pm.register(plugin.hooks, name=f"{plugin.slug}:hooks")
        try:
            found = self._collect(plugin)
            problems = self._problems(plugin, found)
            if problems:
                raise PluginError("; ".join(problems))
            self._apply(plugin, found)
        except Exception:
            self.pm.unregister(name=plugin.slug)
            if self.pm.has_plugin(f"{plugin.slug}:hooks"):
                self.pm.unregister(name=f"{plugin.slug}:hooks")
            raise
        if plugin.translations is not None:
            self.translator = Translator([*self.translator._sources, plugin.translations])
        self.cache.clear()

    def _is_enabled(self, slug: str) -> bool:
        status = self.statuses.get(slug)
        return status is not None and status.state == "enabled"

    # -- access -------------------------------------------------------------------------------
    def context(self, actor: Actor) -> Context:
        """Services acting as `actor`."""
        return Context(self, actor)

    def actor(self, user_id: int) -> Actor:
        """The actor of an active user, with the permissions of the user's roles.

        One statement (the user left-joined to its roles) on the read engine: AUTOCOMMIT on
        PostgreSQL, so no rollback makes the driver forget its prepared statements.
        """
        statement = (
            select(*self.actor_columns())
            .outerjoin_from(User, UserRole, col(UserRole.user_id) == col(User.id))
            .where(col(User.id) == user_id)
        )
        with self.read_engine.connect() as connection:
            rows = connection.execute(statement).all()
        return self.actor_from_rows(user_id, rows)

    @staticmethod
    def actor_columns() -> list[Any]:
        """The columns `actor_from_rows` reads (labelled `actor_*`), from `actor_join`."""
        return [
            col(User.id).label("actor_id"),
            col(User.username).label("actor_username"),
            col(User.display_name).label("actor_display_name"),
            col(User.locale).label("actor_locale"),
            col(User.team_id).label("actor_team_id"),
            col(User.is_active).label("actor_is_active"),
            col(UserRole.role).label("actor_role"),
        ]

    @staticmethod
    def actor_join(left: Any, user_id: Any) -> Any:
        """`left` left-joined to the user whose id is the column `user_id`, and its roles.

        With `actor_columns()` a caller reads an actor within a statement of its own (e.g. a
        web session's row): one row per role, or one row with no role (or no user).
        """
        return left.outerjoin(User, col(User.id) == user_id).outerjoin(
            UserRole, col(UserRole.user_id) == col(User.id)
        )

    def actor_from_rows(self, user_id: int, rows: Iterable[Any]) -> Actor:
        """The actor from rows holding `actor_columns()`.

        Raises `NotFoundError` when there is no such user or the user is not active.
        """
        mappings = [row._mapping for row in rows]
        first = mappings[0] if mappings else None
        if first is None or first["actor_id"] is None or not first["actor_is_active"]:
            raise NotFoundError("user", user_id)
        roles = frozenset(str(m["actor_role"]) for m in mappings if m["actor_role"] is not None)
        permissions = frozenset().union(
            *(self.roles[r].permissions for r in roles if r in self.roles)
        )
        return Actor(
            id=int(first["actor_id"]),
            username=str(first["actor_username"]),
            display_name=str(first["actor_display_name"]),
            locale=str(first["actor_locale"]),
            team_id=first["actor_team_id"],
            roles=roles,
            permissions=permissions,
        )

    def actor_by_username(self, username: str) -> Actor:
        """The actor of the active user `username`."""
        with Session(self.engine) as session:
            user_id = session.scalar(select(User.id).where(col(User.username) == username))
        if user_id is None:
            raise NotFoundError("user", username)
        return self.actor(user_id)

    def customer_access(self, actor: Actor) -> list[ColumnElement[bool]]:
        """The conditions on `customer` that every read by `actor` applies (AND-combined).

        A rule that raises denies everything: access control fails closed.
        """
        clauses: list[ColumnElement[bool]] = []
        for impl in self.pm.hook.restrict_customers.get_hookimpls():
            try:
                clause = cast("ColumnElement[bool] | None", impl.function(actor=actor))
            except Exception:
                logger.exception("access rule of %s failed; denying", impl.plugin_name)
                return [deny_all()]
            if clause is not None:
                clauses.append(clause)
        return clauses


def _read_enabled(engine: Engine) -> dict[str, bool]:
    """Plugin slug → enabled, as stored; empty when the database has no such table yet."""
    try:
        if not inspect(engine).has_table(PluginState.__tablename__):
            return {}
        with Session(engine) as session:
            return {row.slug: row.enabled for row in session.scalars(select(PluginState))}
    except SQLAlchemyError:
        logger.warning("could not read plugin states", exc_info=True)
        return {}


def _order(statuses: Iterable[PluginStatus]) -> list[PluginStatus]:
    """Plugins with their requirements first (a cycle leaves the rest in their order)."""
    pending = {s.name: s for s in statuses}
    ordered: list[PluginStatus] = []
    placed: set[str] = set()
    while pending:
        ready = [
            s
            for s in pending.values()
            if s.plugin is None or all(r in placed or r not in pending for r in s.plugin.requires)
        ]
        if not ready:
            ready = list(pending.values())
        for status in ready:
            ordered.append(status)
            placed.add(status.name)
            del pending[status.name]
    return ordered


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Iterable[Plugin] | None = None,
    engine: Engine | None = None,
) -> App:
    """Build an application: load plugins, check them, fill the registries.

    Args:
        settings: defaults to `Settings.from_env()`.
        plugins: when given, exactly these plugins (plus the core's built-ins) are registered
            and enabled, and installed entry points are not read — what tests want. When None,
            installed plugins are discovered and enabled as stored in the database.
        engine: an existing engine; by default one is made from `settings.database_url`.

    Returns:
        The application. With `strict_plugins`, any plugin failure raises `PluginError`.
    """
    from guanxi_core.builtins import plugin as core_plugin  # noqa: PLC0415 - builtins need app

    settings = settings or Settings.from_env()
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url, echo=settings.echo_sql)
    app = App(settings, engine)
    if plugins is None:
        found = discover()
        stored = _read_enabled(engine)
        if not any(s.plugin is core_plugin for s in found):
            found.insert(0, PluginStatus("core", "disabled", builtin=True, plugin=core_plugin))
        for status in found:
            if status.state == "disabled" and status.plugin is not None:
                wanted = stored.get(status.name, status.builtin)
                status.state = "enabled" if wanted else "disabled"
    else:
        given = [core_plugin, *(p for p in plugins if p is not core_plugin)]
        found = []
        for plugin in given:
            reason = check_manifest(plugin)
            found.append(
                PluginStatus(
                    plugin.slug,
                    "incompatible" if reason else "enabled",
                    reason or "",
                    plugin.distribution,
                    plugin.version,
                    plugin.builtin,
                    plugin,
                )
            )
    found.sort(key=lambda s: s.name != "core")  # the core's tables come before any plugin's
    for status in _order(found):
        app.statuses[status.name] = status
        if status.state != "enabled" or status.plugin is None:
            continue
        try:
            app.register(status.plugin)
        except Exception as exc:
            status.state = "failed"
            status.reason = (
                str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
            )
            logger.warning("plugin %s failed to register: %s", status.name, status.reason)
    failures = [s for s in app.statuses.values() if not s.ok]
    if settings.strict_plugins and failures:
        if own_engine:
            engine.dispose()
        raise PluginError(
            "plugins failed to load: " + "; ".join(f"{s.name}: {s.reason}" for s in failures)
        )
    return app
