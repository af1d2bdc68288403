"""Enabling, disabling and purging plugins: the rules the command line and the web UI share.

An application's plugins are registered when it starts, so a change made here is *stored*
(`plugin_state`) and takes effect when the application is next started; the running
application keeps its registries. `overview` tells both states apart.

Every change is checked (the `core.plugin.manage` permission, the plugin's state, the plugins
that require it or that it requires, a trial registration against the other enabled plugins)
and written to the audit log. A refusal raises `PluginRefused` with a translatable message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, select

from guanxi_core import migrate
from guanxi_core.access import Actor
from guanxi_core.app import App, create_app
from guanxi_core.errors import GuanxiError, PermissionDenied, PluginError
from guanxi_core.i18n import LazyText, _
from guanxi_core.loader import PluginStatus, State
from guanxi_core.models import PluginState
from guanxi_core.models._common import utcnow
from guanxi_core.plugin import Plugin
from guanxi_core.services._store import write_audit

MANAGE = "core.plugin.manage"
CORE = "core"
# Audit entries need an integer id; a plugin has none, so its slug goes into the changes.
AUDIT_ENTITY = "plugin"


class PluginRefused(GuanxiError):
    """A plugin change was refused; nothing was changed.

    Attributes:
        code: why, stable for programs: `unknown`, `not_ok`, `requires`, `required`, `core`,
            `register`, `behind`.
        message: the user-facing text, translated when shown.
        params: values for the message's placeholders.
    """

    def __init__(self, code: str, message: LazyText, **params: Any) -> None:
        self.code = code
        self.message = message
        self.params = params
        super().__init__(message.msgid.format(**params))


@dataclass(frozen=True)
class PluginInfo:
    """One installed plugin as an administrator sees it.

    Attributes:
        slug: the plugin's slug (or entry-point name when it could not be imported).
        title: its display name (translatable).
        description: one line on what it adds (translatable).
        version: the installed version.
        distribution: the distribution that ships it.
        state: its state in the running application.
        reason: why it failed or is incompatible; empty otherwise.
        builtin: whether it ships with Guanxi.
        requires: slugs of the plugins it requires.
        required_by: slugs of the plugins, enabled after a restart, that require it.
        enabled_after_restart: whether it will be enabled when the application next starts.
    """

    slug: str
    title: LazyText | str
    description: LazyText | str
    version: str | None
    distribution: str | None
    state: State
    reason: str
    builtin: bool
    requires: tuple[str, ...]
    required_by: tuple[str, ...]
    enabled_after_restart: bool

    @property
    def pending(self) -> bool:
        """Whether a stored change waits for a restart."""
        return self.enabled_after_restart != (self.state == "enabled")

    @property
    def can_enable(self) -> bool:
        """Whether an enable button makes sense (the check itself happens in `enable`)."""
        return self.state in {"enabled", "disabled"} and not self.enabled_after_restart

    @property
    def can_disable(self) -> bool:
        """Whether a disable button makes sense (the check itself happens in `disable`)."""
        return self.slug != CORE and self.enabled_after_restart


def stored_states(app: App) -> dict[str, bool]:
    """Plugin slug → enabled, as stored in `plugin_state`."""
    with Session(app.engine) as session:
        return {row.slug: row.enabled for row in session.scalars(select(PluginState))}


def _wanted(status: PluginStatus, stored: Mapping[str, bool]) -> bool:
    """Whether the plugin is enabled at the next start (as far as the database decides)."""
    if status.plugin is None or status.state == "incompatible":
        return False
    if status.name in stored:
        return stored[status.name]
    # Not stored: running as loaded (a plugin that failed to register was meant to run).
    return status.state in {"enabled", "failed"}


def wanted_states(app: App) -> dict[str, bool]:
    """Plugin slug → whether it will be enabled when the application next starts."""
    stored = stored_states(app)
    return {slug: _wanted(status, stored) for slug, status in app.statuses.items()}


def overview(app: App, actor: Actor) -> list[PluginInfo]:
    """Every installed plugin with its running state and its state after a restart."""
    _require(actor)
    wanted = wanted_states(app)
    infos: list[PluginInfo] = []
    for slug, status in app.statuses.items():
        plugin = status.plugin
        requires = plugin.requires if plugin else ()
        required_by = tuple(
            sorted(
                other.name
                for other in app.statuses.values()
                if other.plugin is not None
                and slug in other.plugin.requires
                and wanted.get(other.name)
            )
        )
        infos.append(
            PluginInfo(
                slug=slug,
                title=plugin.title if plugin else slug,
                description=plugin.description if plugin else "",
                version=status.version or (plugin.version if plugin else None),
                distribution=status.distribution,
                state=status.state,
                reason=status.reason,
                builtin=status.builtin,
                requires=tuple(requires),
                required_by=required_by,
                enabled_after_restart=wanted[slug],
            )
        )
    return infos


def _require(actor: Actor) -> None:
    if not actor.can(MANAGE):
        raise PermissionDenied(MANAGE)


def status_of(app: App, slug: str) -> PluginStatus:
    """The status of installed plugin `slug`; `PluginRefused` (`unknown`) if there is none."""
    status = app.statuses.get(slug)
    if status is None:
        raise PluginRefused(
            "unknown",
            _("unknown plugin {name} (installed: {installed})"),
            name=slug,
            installed=", ".join(sorted(app.statuses)) or "(none)",
        )
    return status


def refuse_if_required(app: App, slug: str, *, purging: bool = False) -> None:
    """Refuse (`required`) when plugins that stay enabled require `slug`."""
    wanted = wanted_states(app)
    dependents = sorted(
        s.name
        for s in app.statuses.values()
        if s.plugin is not None and slug in s.plugin.requires and wanted.get(s.name)
    )
    if not dependents:
        return
    message = (
        _("cannot purge {name}: {dependents} require(s) it; disable them first")
        if purging
        else _("cannot disable {name}: {dependents} require(s) it; disable them first")
    )
    raise PluginRefused("required", message, name=slug, dependents=", ".join(dependents))


def refuse_if_behind(app: App) -> None:
    """Refuse (`behind`) when the core's schema is behind its migrations."""
    core = app.statuses.get(CORE)
    if core is None or core.plugin is None or core.plugin.migrations is None:
        return
    state = migrate.state(app.engine, core.plugin)
    if state.behind:
        details = (
            f"{state.slug} at {', '.join(state.current) or '(none)'}, "
            f"head {', '.join(state.heads) or '(none)'}"
        )
        raise PluginRefused(
            "behind", _("database is behind: {details} — run `guanxi db upgrade`"), details=details
        )


def _trial(app: App, plugin: Plugin, wanted: Mapping[str, bool]) -> None:
    """Register the plugins enabled after a restart, plus `plugin`, on a scratch application.

    The running application is left alone (its routes and screens are built from its
    registries); a collision refuses the change instead of surfacing at the next start.
    """
    chosen = [
        s.plugin
        for s in app.statuses.values()
        if s.plugin is not None and wanted.get(s.name) and s.name != plugin.slug
    ]
    scratch = create_app(
        replace(app.settings, strict_plugins=False), plugins=[*chosen, plugin], engine=app.engine
    )
    failed = [s for s in scratch.statuses.values() if s.state == "failed"]
    failed.sort(key=lambda s: s.name != plugin.slug)  # its own failure first
    if failed:
        raise PluginRefused(
            "register",
            _("cannot enable {name}: {reason}"),
            name=plugin.slug,
            reason=failed[0].reason,
        )


def store_enabled(app: App, slug: str, enabled: bool) -> None:
    """Record in `plugin_state` whether plugin `slug` is enabled (insert or update)."""
    with Session(app.engine) as session:
        _store(session, slug, enabled)
        session.commit()


def _store(session: Session, slug: str, enabled: bool) -> None:
    row = session.get(PluginState, slug)
    if row is None:
        session.add(PluginState(slug=slug, enabled=enabled))
    else:
        row.enabled = enabled
        row.changed_at = utcnow()


def _record(app: App, actor: Actor, slug: str, action: str, enabled: bool) -> None:
    """Store the new state and audit it, in one transaction."""
    with Session(app.engine) as session:
        _store(session, slug, enabled)
        write_audit(session, actor, AUDIT_ENTITY, 0, action, {"plugin": slug})
        session.commit()


def enable(app: App, slug: str, actor: Actor) -> bool:
    """Enable plugin `slug` from the next start: migrate its tables, store the state.

    Args:
        app: the application.
        slug: the plugin.
        actor: who asks; needs `core.plugin.manage`.

    Returns:
        False when it was already enabled (nothing changed), True otherwise.

    Raises:
        PluginRefused: unknown, failed or incompatible, a required plugin not enabled, a
            collision with an enabled plugin, or a database that is behind.
        PermissionDenied: the actor may not manage plugins.
    """
    _require(actor)
    status = status_of(app, slug)
    if not status.ok or status.plugin is None:
        raise PluginRefused(
            "not_ok",
            _("cannot enable {name}: it is {state}: {reason}"),
            name=slug,
            state=status.state,
            reason=status.reason,
        )
    wanted = wanted_states(app)
    if wanted[slug]:
        return False
    plugin = status.plugin
    missing = [r for r in plugin.requires if not wanted.get(r)]
    if missing:
        raise PluginRefused(
            "requires",
            _("cannot enable {name}: enable {missing} first"),
            name=slug,
            missing=", ".join(missing),
            first=missing[0],
        )
    refuse_if_behind(app)
    _trial(app, plugin, wanted)
    try:
        migrate.upgrade_plugin(app.engine, plugin)
    except PluginError as exc:  # e.g. tables declared without migrations
        raise PluginRefused(
            "register", _("cannot enable {name}: {reason}"), name=slug, reason=str(exc)
        ) from exc
    _record(app, actor, slug, "enable", True)
    return True


def disable(app: App, slug: str, actor: Actor) -> bool:
    """Disable plugin `slug` from the next start; its data is kept.

    Args:
        app: the application.
        slug: the plugin.
        actor: who asks; needs `core.plugin.manage`.

    Returns:
        False when it was already disabled (nothing changed), True otherwise.

    Raises:
        PluginRefused: the core, an unknown plugin, plugins that stay enabled require it, or a
            database that is behind.
        PermissionDenied: the actor may not manage plugins.
    """
    _require(actor)
    if slug == CORE:
        raise PluginRefused("core", _("the core cannot be disabled"))
    status = status_of(app, slug)
    if not wanted_states(app)[slug]:
        return False
    refuse_if_required(app, slug)
    refuse_if_behind(app)
    _record(app, actor, status.name, "disable", False)
    return True


def purge(app: App, slug: str, actor: Actor) -> migrate.PurgePlan:
    """Drop all of plugin `slug`'s tables and data, and disable it.

    Args:
        app: the application.
        slug: the plugin; built-in plugins cannot be purged.
        actor: who asks; needs `core.plugin.manage`.

    Returns:
        What was dropped.

    Raises:
        PluginRefused: unknown, not importable, required by enabled plugins, database behind.
        PluginError: a built-in plugin.
    """
    _require(actor)
    status = status_of(app, slug)
    if status.plugin is None:
        raise PluginRefused(
            "not_ok", _("cannot purge {name}: {reason}"), name=slug, reason=status.reason
        )
    refuse_if_required(app, slug, purging=True)
    refuse_if_behind(app)
    plan = migrate.purge(app.engine, status.plugin)
    with Session(app.engine) as session:
        _store(session, slug, False)
        write_audit(
            session,
            actor,
            AUDIT_ENTITY,
            0,
            "purge",
            {"plugin": slug, "tables": [name for name, _rows in plan.tables]},
        )
        session.commit()
    return plan
