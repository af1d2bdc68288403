"""The manifest, the hooks and the declarations of a plugin, and their names."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, entry_points, version
from types import ModuleType
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from guanxi_core import hookspecs
from guanxi_core.app import create_app
from guanxi_core.conformance._report import Report, error_line, one_line
from guanxi_core.conformance._subject import Subject
from guanxi_core.i18n import _
from guanxi_core.loader import GROUP, core_version
from guanxi_core.plugin import Plugin
from guanxi_core.screens import AUTHENTICATED
from guanxi_core.settings import Settings

if TYPE_CHECKING:
    from guanxi_core.access import Permission, Role
    from guanxi_core.fields import Extension
    from guanxi_core.jobs import JobSpec
    from guanxi_core.kinds import ActivityKind
    from guanxi_core.screens import PageSpec, PanelSpec
    from guanxi_core.workflows import Workflow

BUILTIN_SLUGS = frozenset({"core", "web"})
GUANXI_DISTRIBUTIONS = ("guanxi-core", "guanxi-web", "guanxi-sdk")


# -- the manifest --------------------------------------------------------------------------------
def check_manifest(subject: Subject, plugin: Plugin, report: Report) -> None:
    slug = plugin.slug
    if subject.entry_name != slug:
        report.add(
            _("the entry point's name {name} differs from the plugin's slug {slug}"),
            name=repr(subject.entry_name),
            slug=repr(slug),
        )
    if slug in BUILTIN_SLUGS and not plugin.builtin:
        report.add(_("the slug {slug} is reserved for a built-in plugin"), slug=repr(slug))
    if not str(plugin.title).strip():
        report.add(_("the plugin has no title"))
    if subject.version is None and not subject.version_dynamic:
        report.add(_("the distribution has no version (set [project] version)"))
    elif subject.version is not None:
        try:
            Version(subject.version)
        except InvalidVersion:
            report.add(
                _("the version {version} is not a valid version"), version=repr(subject.version)
            )
    current = core_version()
    if not plugin.builtin and not str(plugin.requires_core):
        report.add(
            _(
                "requires_core is not set: declare the core versions the plugin works with "
                "(e.g. {example})"
            ),
            example=repr(f">={current.major}.{current.minor}"),
        )
    elif not plugin.requires_core.contains(current, prereleases=True):
        report.add(
            _("requires_core {spec} excludes this core ({version})"),
            spec=repr(str(plugin.requires_core)),
            version=str(current),
        )
    if not plugin.builtin:
        _check_requirements(subject, report)


def _check_requirements(subject: Subject, report: Report) -> None:
    names: set[str] = set()
    for line in subject.requirements:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            report.add(
                _("the dependency {requirement} is invalid: {error}"),
                requirement=repr(line),
                error=error_line(exc),
            )
            continue
        if req.marker is not None:  # extras and environment-specific dependencies
            continue
        name = req.name.lower().replace("_", "-")
        names.add(name)
        if name not in GUANXI_DISTRIBUTIONS or not req.specifier:
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue
        if not req.specifier.contains(installed, prereleases=True):
            report.add(
                _("the dependency {requirement} excludes the installed {name} {version}"),
                requirement=repr(line),
                name=name,
                version=installed,
            )
    if "guanxi-sdk" not in names:
        report.add(_("the distribution does not depend on guanxi-sdk"))


# -- hooks ---------------------------------------------------------------------------------------
def _is_spec(name: str) -> bool:
    return getattr(getattr(hookspecs, name, None), f"{hookspecs.PROJECT}_spec", None) is not None


def _hook_names() -> list[str]:
    return [name for name in dir(hookspecs) if _is_spec(name)]


def _implementations(plugin: Plugin) -> dict[str, list[Callable[..., Any]]]:
    """Every hook implementation the plugin registers, by hook name."""
    found: dict[str, list[Callable[..., Any]]] = {}
    marker = f"{hookspecs.PROJECT}_impl"
    for name in dir(type(plugin)):
        if hasattr(getattr(type(plugin), name, None), marker):
            found.setdefault(name, []).append(getattr(plugin, name))
    for name, function in vars(plugin.hooks).items():
        found.setdefault(name, []).append(function)
    return found


def check_hooks(plugin: Plugin, modules: Mapping[str, ModuleType], report: Report) -> None:
    known = _hook_names()
    implementations = _implementations(plugin)
    for name, functions in implementations.items():
        if not _is_spec(name):
            close = difflib.get_close_matches(name, known, n=1)
            if close:
                report.add(
                    _("hook {name} is not a Guanxi hook (did you mean {suggestion}?)"),
                    name=repr(name),
                    suggestion=repr(close[0]),
                )
            else:
                report.add(_("hook {name} is not a Guanxi hook"), name=repr(name))
            continue
        given = list(inspect.signature(getattr(hookspecs, name)).parameters)
        for function in functions:
            for parameter in inspect.signature(function).parameters.values():
                if parameter.default is not inspect.Parameter.empty:
                    report.add(
                        _(
                            "hook {name}: the argument {argument} has a default value, so it is "
                            "never given"
                        ),
                        name=repr(name),
                        argument=repr(parameter.name),
                    )
                elif parameter.name not in given:
                    report.add(
                        _(
                            "hook {name}: the argument {argument} is not one the hook gives "
                            "({arguments})"
                        ),
                        name=repr(name),
                        argument=repr(parameter.name),
                        arguments=", ".join(given) or "-",
                    )
    attached = {id(f) for functions in implementations.values() for f in functions}
    attached |= {id(getattr(f, "__func__", f)) for fs in implementations.values() for f in fs}
    marker = f"{hookspecs.PROJECT}_impl"
    for module_name, module in modules.items():
        for attr, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and hasattr(value, marker)
                and value.__module__ == module_name
                and id(value) not in attached
            ):
                report.add(
                    _(
                        "hook implementation {name} in {module} is not attached to the plugin "
                        "(decorate it with @plugin.hook)"
                    ),
                    name=repr(attr),
                    module=module_name,
                )


# -- declarations and names ----------------------------------------------------------------------
@dataclass
class Declared:
    permissions: list[Permission] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    kinds: list[ActivityKind] = field(default_factory=list)
    extensions: list[type[Extension]] = field(default_factory=list)
    workflows: list[Workflow] = field(default_factory=list)
    pages: list[PageSpec] = field(default_factory=list)
    panels: list[PanelSpec] = field(default_factory=list)
    jobs: list[JobSpec] = field(default_factory=list)


def declarations(plugin: Plugin, report: Report) -> Declared:
    implementations = _implementations(plugin)
    declared = Declared()
    for attribute in vars(declared):
        hook = f"register_{attribute if attribute != 'kinds' else 'activity_kinds'}"
        for function in implementations.get(hook, []):
            try:
                getattr(declared, attribute).extend(function() or ())
            except Exception as exc:
                report.add(_("hook {name} raised {error}"), name=repr(hook), error=error_line(exc))
    return declared


def _check_namespaces(plugin: Plugin, found: Declared, report: Report) -> None:
    slug = plugin.slug
    prefix = f"{slug}."
    tables = set(plugin.metadata.tables) | {e.__table__.name for e in found.extensions}
    for table in sorted(tables):
        if not table.startswith(f"{slug}_"):
            report.add(
                _("table {table} is not named {prefix}*"), table=repr(table), prefix=f"{slug}_"
            )
    named = [
        (_("permission {name} is not namespaced {prefix}*"), [p.name for p in found.permissions]),
        (_("activity kind {name} is not namespaced {prefix}*"), [k.key for k in found.kinds]),
        (
            _("job {name} is not namespaced {prefix}*"),
            [j.name if j.plugin == slug else f"{j.plugin}:{j.name}" for j in found.jobs],
        ),
    ]
    for message, names in named:
        for name in names:
            if not name.startswith(prefix):
                report.add(message, name=repr(name), prefix=prefix)


def _check_screens(plugin: Plugin, found: Declared, permissions: set[str], report: Report) -> None:
    for page in found.pages:
        for text in page.problems():
            report.add(_("declaration refused: {problem}"), problem=text)
        if page.plugin != plugin.slug:
            report.add(
                _("page {path} is declared for the plugin {other}"),
                path=repr(page.path),
                other=repr(page.plugin),
            )
        if page.permission not in permissions:
            report.add(
                _("page {path} needs the unknown permission {permission}"),
                path=repr(page.path),
                permission=repr(page.permission),
            )
    for panel in found.panels:
        for text in panel.problems():
            report.add(_("declaration refused: {problem}"), problem=text)
        if panel.plugin != plugin.slug:
            report.add(
                _("panel {name} is declared for the plugin {other}"),
                name=repr(panel.name),
                other=repr(panel.plugin),
            )
        if panel.permission is not None and panel.permission not in permissions:
            report.add(
                _("panel {name} needs the unknown permission {permission}"),
                name=repr(panel.name),
                permission=repr(panel.permission),
            )


def _check_grants(found: Declared, permissions: set[str], roles: set[str], report: Report) -> None:
    """Roles and transitions name only permissions and roles that exist (typos lock users out)."""
    for role in found.roles:
        for name in role.permissions:
            if name not in permissions:
                report.add(
                    _("role {role} grants the unknown permission {permission}"),
                    role=repr(role.name),
                    permission=repr(name),
                )
    workflows = [*found.workflows, *(k.workflow for k in found.kinds if k.workflow)]
    for workflow in workflows:
        for transition in workflow.transitions:
            where = {"transition": repr(transition.name), "workflow": repr(workflow.name)}
            if transition.permission and transition.permission not in permissions:
                report.add(
                    _(
                        "transition {transition} of {workflow} needs the unknown permission "
                        "{permission}"
                    ),
                    permission=repr(transition.permission),
                    **where,
                )
            for role_name in transition.roles:
                if role_name not in roles:
                    report.add(
                        _("transition {transition} of {workflow} names the unknown role {role}"),
                        role=repr(role_name),
                        **where,
                    )


def _check_names(
    plugin: Plugin, found: Declared, known: tuple[set[str], set[str]], report: Report
) -> None:
    permissions = known[0] | {p.name for p in found.permissions} | {AUTHENTICATED}
    roles = known[1] | {r.name for r in found.roles}
    _check_namespaces(plugin, found, report)
    _check_screens(plugin, found, permissions, report)
    _check_grants(found, permissions, roles, report)


def check_declarations(
    plugin: Plugin, found: Declared, required: list[Plugin], report: Report, *, register: bool
) -> None:
    """Check names against the core and the required plugins, then let the core register it.

    What the core says when it registers the plugin is reported only when `register` is set
    and nothing else explains a refusal.
    """
    app = create_app(Settings(database_url="sqlite://"), plugins=required)
    try:
        failed = "; ".join(f"{s.name}: {s.reason}" for s in app.statuses.values() if not s.ok)
        if failed:
            report.add(_("a required plugin does not load: {reason}"), reason=failed)
        before = len(report.problems)
        _check_names(plugin, found, (set(app.permissions), set(app.roles)), report)
        # The core is registered by every application; it is checked by the one above.
        if len(report.problems) > before or failed or not register or plugin.slug == "core":
            return
        try:
            app.register(plugin)
        except Exception as exc:
            report.add(
                _("the core refuses to register the plugin: {reason}"),
                reason=one_line(str(exc)) or type(exc).__name__,
            )
    finally:
        app.engine.dispose()


def required_plugins(plugin: Plugin, report: Report) -> list[Plugin]:
    """The installed plugins `plugin` requires, with theirs, dependencies first."""
    ordered: list[Plugin] = []
    seen = {plugin.slug, "core"}

    def visit(slugs: tuple[str, ...]) -> None:
        for slug in slugs:
            if slug in seen:
                continue
            seen.add(slug)
            found = [ep for ep in entry_points(group=GROUP) if ep.name == slug]
            try:
                obj = found[0].load() if found else None
            except Exception as exc:
                report.add(
                    _("the required plugin {slug} cannot be imported: {error}"),
                    slug=repr(slug),
                    error=error_line(exc),
                )
                continue
            if not isinstance(obj, Plugin):
                report.add(_("the required plugin {slug} is not installed"), slug=repr(slug))
                continue
            visit(obj.requires)
            ordered.append(obj)

    visit(plugin.requires)
    return ordered
