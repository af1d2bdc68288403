"""The plugin object: a manifest plus the declarations and hooks of one plugin.

A plugin's entry point (group `guanxi.plugins`) names a `Plugin`. The object collects what the
plugin declares (permissions, roles, activity kinds, extension tables, workflows) and answers the
core's `register_*` hooks with them; anything else is a plain hook implementation added with
`@plugin.hook`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from sqlalchemy import MetaData

from guanxi_core.access import Permission, Role
from guanxi_core.hookspecs import hookimpl
from guanxi_core.i18n import LazyText

if TYPE_CHECKING:
    from guanxi_core.fields import Extension
    from guanxi_core.kinds import ActivityKind
    from guanxi_core.workflows import Workflow

F = TypeVar("F", bound=Callable[..., Any])


class Plugin:
    """A Guanxi plugin: its manifest and everything it declares.

    Args:
        slug: the short unique name; prefixes its tables, permissions, kinds and routes.
        title: the name shown to administrators.
        requires_core: a version specifier the core's version must satisfy (`>=1,<2`).
        requires: slugs of plugins that must be loaded and enabled before this one.
        migrations: the package holding its Alembic `versions/` (e.g. `guanxi_vip.migrations`);
            None for a plugin without tables.
        translations: `(package, domain)` of its message catalogues, if it ships any.
        builtin: whether it ships with the core and is enabled unless disabled.
        description: one line on what it adds.
    """

    def __init__(
        self,
        slug: str,
        title: LazyText | str,
        *,
        requires_core: str = "",
        requires: Iterable[str] = (),
        migrations: str | None = None,
        translations: tuple[str, str] | None = None,
        builtin: bool = False,
        description: LazyText | str = "",
    ) -> None:
        if not slug.isidentifier() or slug != slug.lower():
            raise ValueError(f"plugin slug {slug!r} must be a lower-case identifier")
        try:
            self.requires_core = SpecifierSet(requires_core)
        except InvalidSpecifier as exc:
            raise ValueError(f"plugin {slug!r}: invalid requires_core {requires_core!r}") from exc
        self.slug = slug
        self.title = title
        self.requires = tuple(requires)
        self.migrations = migrations
        self.translations = translations
        self.builtin = builtin
        self.description = description
        self.version = "0"  # set from the distribution by the loader
        self.distribution: str | None = None
        self.metadata = MetaData()
        self.permissions: list[Permission] = []
        self.roles: list[Role] = []
        self.kinds: list[ActivityKind] = []
        self.extensions: list[type[Extension]] = []
        self.workflows: list[Workflow] = []
        self.hooks = SimpleNamespace()

    def __repr__(self) -> str:
        return f"<Plugin {self.slug}>"

    # -- declarations -------------------------------------------------------------------------
    def permission(self, name: str, label: LazyText | str) -> Permission:
        """Declare a permission; `name` is prefixed with the slug unless it already is."""
        full = name if name.startswith(f"{self.slug}.") else f"{self.slug}.{name}"
        declared = Permission(full, label)
        self.permissions.append(declared)
        return declared

    def role(self, name: str, label: LazyText | str, permissions: Iterable[str] = ()) -> Role:
        """Declare a role, or add permissions to a role another plugin declares."""
        declared = Role(name, label, permissions)
        self.roles.append(declared)
        return declared

    def workflow(self, workflow: Workflow) -> Workflow:
        """Declare a stand-alone workflow (one attached to an activity kind needs no call)."""
        self.workflows.append(workflow)
        return workflow

    def add_kind(self, kind: ActivityKind) -> None:
        """Called by `ActivityKind(plugin, ...)`."""
        self.kinds.append(kind)

    def add_extension(self, extension: type[Extension]) -> None:
        """Called when an extension class naming this plugin is created."""
        self.extensions.append(extension)

    def hook(self, function: F) -> F:
        """Add a hook implementation named after the function (`before_customer_save`, ...)."""
        if not hasattr(function, "guanxi_impl"):
            function = hookimpl(function)
        setattr(self.hooks, function.__name__, function)
        return function

    def migrations_path(self) -> Path | None:
        """The folder of the plugin's Alembic migrations, or None if it has none."""
        if self.migrations is None:
            return None
        return Path(str(resources.files(self.migrations)))

    # -- answers to the register_* hooks -------------------------------------------------------
    @hookimpl
    def register_permissions(self) -> Sequence[Permission]:
        """The permissions declared with `permission()`."""
        return list(self.permissions)

    @hookimpl
    def register_roles(self) -> Sequence[Role]:
        """The roles declared with `role()`."""
        return list(self.roles)

    @hookimpl
    def register_activity_kinds(self) -> Sequence[ActivityKind]:
        """The kinds created with `ActivityKind(plugin, ...)`."""
        return list(self.kinds)

    @hookimpl
    def register_extensions(self) -> Sequence[type[Extension]]:
        """The extension classes naming this plugin."""
        return list(self.extensions)

    @hookimpl
    def register_workflows(self) -> Sequence[Workflow]:
        """The workflows declared with `workflow()`."""
        return list(self.workflows)
