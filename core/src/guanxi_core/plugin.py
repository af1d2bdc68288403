"""The plugin object: a manifest plus the declarations and hooks of one plugin.

A plugin's entry point (group `guanxi.plugins`) names a `Plugin`. The object collects what the
plugin declares (permissions, roles, activity kinds, extension tables, workflows, pages,
panels and jobs) and answers the core's `register_*` hooks with them; anything else is a plain hook
implementation added with `@plugin.hook`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from sqlalchemy import MetaData

from guanxi_core.access import Permission, Role
from guanxi_core.hookspecs import hookimpl
from guanxi_core.i18n import LazyText
from guanxi_core.jobs import JobHandler, JobSpec
from guanxi_core.screens import AUTHENTICATED, PageHandler, PageSpec, PanelHandler, PanelSpec

if TYPE_CHECKING:
    from guanxi_core.fields import Extension
    from guanxi_core.kinds import ActivityKind
    from guanxi_core.workflows import Workflow

F = TypeVar("F", bound=Callable[..., Any])
PageF = TypeVar("PageF", bound=PageHandler)
PanelF = TypeVar("PanelF", bound=PanelHandler)
JobF = TypeVar("JobF", bound=JobHandler)


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
        templates: where its Jinja templates are: a package (its `templates/` folder) or a
            folder. By default the `templates/` folder of the package of its migrations or
            translations. Templates are namespaced by slug: `templates/vip/briefing.html`.
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
        templates: str | Path | None = None,
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
        self.templates = templates
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
        self.pages: list[PageSpec] = []
        self.panels: list[PanelSpec] = []
        self.jobs: list[JobSpec] = []
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

    def page(
        self,
        path: str,
        *,
        label: LazyText | str,
        permission: str = AUTHENTICATED,
        methods: Iterable[str] = ("GET",),
        nav: bool = False,
        order: int = 100,
    ) -> Callable[[PageF], PageF]:
        """Declare a page at `/p/<slug><path>`, rendered by the decorated function.

        ```python
        @plugin.page("/briefing", label=_("Today's guests"), permission="vip.briefing.view",
                     nav=True)
        def briefing(screen: Screen) -> str:
            return screen.render("vip/briefing.html", guests=...)
        ```

        The handler returns HTML or `screen.redirect(url)`. HTML that is a fragment is shown
        inside the web's layout, titled with `label`; a template that extends
        `web/base.html` gives a whole document, sent as it is; an htmx request gets the HTML as
        it is. Unsafe methods are refused without the form's `csrf_token`.

        Args:
            path: the path under the plugin's prefix (`/briefing`, `/guests/{guest_id:int}`).
            label: the page's title and navigation label.
            permission: the permission needed to open it (default: any signed-in user).
            methods: the HTTP methods it answers; a POST needs the form's `csrf_token`.
            nav: whether it is an item of the main navigation.
            order: its place in the navigation (lower first).

        Returns:
            A decorator that records the page and returns the function unchanged.
        """

        def declare(handler: PageF) -> PageF:
            self.pages.append(
                PageSpec(
                    self.slug,
                    path,
                    handler,
                    label,
                    permission,
                    tuple(m.upper() for m in methods),
                    nav,
                    order,
                )
            )
            return handler

        return declare

    def panel(
        self,
        slot: str,
        *,
        label: LazyText | str,
        permission: str | None = None,
        order: int = 100,
    ) -> Callable[[PanelF], PanelF]:
        """Declare a panel in a named slot of a core screen, rendered by the decorated function.

        ```python
        @plugin.panel("customer.sidebar", label=_("Guest card"))
        def guest_card(screen: Screen, customer: Record) -> str:
            return screen.render("vip/guest_card.html", customer=customer)
        ```

        Args:
            slot: `customer.main`, `customer.sidebar` or `home.widgets`.
            label: the panel's heading.
            permission: the permission needed to see it (default: whoever sees the screen).
            order: its place in the slot (lower first).

        Returns:
            A decorator that records the panel and returns the function unchanged.
        """

        def declare(handler: PanelF) -> PanelF:
            self.panels.append(PanelSpec(self.slug, slot, handler, label, permission, order))
            return handler

        return declare

    def job(
        self,
        name: str,
        *,
        every: timedelta | None = None,
        cron: str | None = None,
        timezone: str | None = None,
        label: LazyText | str | None = None,
        description: LazyText | str = "",
    ) -> Callable[[JobF], JobF]:
        """Declare a job `<slug>.<name>` run by the decorated function, on a schedule.

        ```python
        @plugin.job("digest", cron="0 7 * * 1-5", label=_("Morning digest"))
        def digest(ctx: Context) -> str:
            due = ctx.activities.list(...)
            return f"{len(due.items)} reminders"
        ```

        The function is called with a `Context` acting as the system actor, inside one
        transaction (if it raises, nothing it wrote is kept); the text it returns is recorded
        with the run. `guanxi jobs run vip.digest` runs it now.

        Args:
            name: the job's name within the plugin (lower-case, digits, underscores).
            every: run at this interval (at least one minute).
            cron: or run on this five-field cron schedule (`minute hour day month weekday`).
            timezone: the IANA time zone of the cron schedule; by default the server's.
            label: the job's display name (default: its name).
            description: one line on what it does.

        Returns:
            A decorator that records the job and returns the function unchanged.

        Raises:
            ValueError: on a bad name, no or two schedules, a bad interval, cron expression
                or time zone — when the plugin is imported.
        """

        def declare(handler: JobF) -> JobF:
            self.jobs.append(
                JobSpec(
                    self.slug,
                    name,
                    handler,
                    every=every,
                    cron=cron,
                    timezone=timezone,
                    label=label,
                    description=description,
                )
            )
            return handler

        return declare

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

    def templates_path(self) -> Path | None:
        """The folder of the plugin's templates, or None if it ships none."""
        if isinstance(self.templates, Path):
            return self.templates if self.templates.is_dir() else None
        package = self.templates
        if package is None:
            if self.migrations:
                package = self.migrations.split(".")[0]
            elif self.translations:
                package = self.translations[0]
            elif type(self) is not Plugin:
                package = type(self).__module__.split(".")[0]
            else:
                return None
        try:
            folder = Path(str(resources.files(package) / "templates"))
        except ModuleNotFoundError:
            return None
        return folder if folder.is_dir() else None

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

    @hookimpl
    def register_pages(self) -> Sequence[PageSpec]:
        """The pages declared with `@plugin.page`."""
        return list(self.pages)

    @hookimpl
    def register_panels(self) -> Sequence[PanelSpec]:
        """The panels declared with `@plugin.panel`."""
        return list(self.panels)

    @hookimpl
    def register_jobs(self) -> Sequence[JobSpec]:
        """The jobs declared with `@plugin.job`."""
        return list(self.jobs)
