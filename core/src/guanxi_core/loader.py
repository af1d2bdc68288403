"""Finding and loading plugins: discover → check → import → register, each plugin in its own try.

pluggy's own `load_setuptools_entrypoints` imports without a try and silently skips a second
distribution using a taken entry-point name; this loader reports both instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import Distribution, EntryPoint, entry_points, version
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

from guanxi_core.plugin import Plugin

logger = logging.getLogger(__name__)

GROUP = "guanxi.plugins"
CORE_DISTRIBUTION = "guanxi-core"

State = Literal["enabled", "disabled", "failed", "incompatible"]


def core_version() -> Version:
    """The installed version of guanxi-core."""
    return Version(version(CORE_DISTRIBUTION))


@dataclass
class PluginStatus:
    """What became of one installed plugin, for `guanxi plugins list` and the admin screen.

    Attributes:
        name: the plugin's slug (or the entry point's name when it could not be imported).
        state: `enabled`, `disabled`, `failed` or `incompatible`.
        reason: why it failed or is incompatible; empty otherwise.
        distribution: the distribution that ships it.
        version: the distribution's version.
        builtin: whether it ships with Guanxi and is on unless disabled.
        plugin: the imported plugin object, if import succeeded.
    """

    name: str
    state: State
    reason: str = ""
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    plugin: Plugin | None = None

    @property
    def ok(self) -> bool:
        """Whether the plugin loaded (enabled or disabled), i.e. nothing is wrong with it."""
        return self.state in {"enabled", "disabled"}


def _dist_name(dist: Distribution | None) -> str | None:
    if dist is None:
        return None
    return str(dist.metadata["Name"])


def _core_requirement(dist: Distribution | None) -> str | None:
    """Why the distribution's declared guanxi-core requirement excludes this core, if it does."""
    if dist is None:
        return None
    current = core_version()
    for line in dist.requires or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        is_core = req.name.lower().replace("_", "-") == CORE_DISTRIBUTION and req.marker is None
        if is_core and req.specifier and not req.specifier.contains(current, prereleases=True):
            return f"requires guanxi-core{req.specifier}, this is {current}"
    return None


def check_manifest(plugin: Plugin) -> str | None:
    """Why the plugin's `requires_core` excludes this core, if it does."""
    current = core_version()
    if plugin.requires_core and not plugin.requires_core.contains(current, prereleases=True):
        return f"requires core {plugin.requires_core}, this is {current}"
    return None


def _load(ep: EntryPoint) -> PluginStatus:
    dist = ep.dist
    name, dist_version = _dist_name(dist), dist.version if dist is not None else None
    reason = _core_requirement(dist)
    if reason:
        return PluginStatus(ep.name, "incompatible", reason, name, dist_version)
    try:
        obj = ep.load()
    except Exception as exc:
        logger.warning("plugin %s failed to import", ep.name, exc_info=True)
        return PluginStatus(
            ep.name, "failed", f"import failed: {type(exc).__name__}: {exc}", name, dist_version
        )
    if not isinstance(obj, Plugin):
        return PluginStatus(
            ep.name, "failed", f"entry point {ep.value} is not a guanxi Plugin", name, dist_version
        )
    obj.distribution = name
    obj.version = dist_version or obj.version
    reason = check_manifest(obj)
    if reason:
        return PluginStatus(obj.slug, "incompatible", reason, name, dist_version, obj.builtin, obj)
    return PluginStatus(obj.slug, "disabled", "", name, dist_version, obj.builtin, obj)


def discover() -> list[PluginStatus]:
    """Every plugin installed through the `guanxi.plugins` entry-point group, imported.

    A distribution is considered once, however many times it is on the path; two distributions
    claiming one slug make the second fail with the reason.
    """
    statuses: list[PluginStatus] = []
    seen_dists: set[tuple[str | None, str]] = set()
    slugs: dict[str, str | None] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.dist is None, e.name)):
        key = (_dist_name(ep.dist), ep.value)
        if key in seen_dists:
            continue
        seen_dists.add(key)
        status = _load(ep)
        if status.plugin is not None and status.name in slugs:
            status.state = "failed"
            status.reason = (
                f"slug {status.name!r} is already used by {slugs[status.name] or 'another plugin'}"
            )
            # keep both visible: the loser is listed under its entry point (or distribution)
            status.name = (
                ep.name if ep.name != status.name else f"{ep.name} ({status.distribution})"
            )
        elif status.plugin is not None:
            slugs[status.name] = status.distribution
        statuses.append(status)
    return statuses
