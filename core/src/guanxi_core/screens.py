"""Plugin screens: whole pages under a plugin's prefix and panels in named slots of core screens.

A plugin declares them with `@plugin.page(...)` and `@plugin.panel(...)` (or returns
`PageSpec` and `PanelSpec` objects from the `register_pages` / `register_panels` hooks). The
core validates them at start-up; the web mounts each page at `/p/<slug><path>` and renders the
panels of a slot where the core screen places it. Handlers receive a `Screen`: who asks, in
which language, the services, the request's parameters and a way to render templates.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from guanxi_core.i18n import LazyText

if TYPE_CHECKING:
    from guanxi_core.access import Actor
    from guanxi_core.services.context import Context

SLOTS: dict[str, tuple[str, ...]] = {
    "customer.main": ("customer", "view"),
    "customer.sidebar": ("customer", "view"),
    "home.widgets": (),
}
"""The named slots of core screens → the objects each passes to its panels.

`customer.main` and `customer.sidebar` are on the 360° customer page: `customer` is the customer
`Record` (with every extension value, e.g. `customer["vip.allergies"]`), `view` the whole 360°
view (tags, affiliations, latest activities). `home.widgets` is on the Home screen and passes
nothing.
"""

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
AUTHENTICATED = "authenticated"
"""The permission of a screen any signed-in user may open."""

_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*|\{[a-z_][a-z0-9_]*:(?:int|str)\}")
_PARAMETER = re.compile(r"\{[a-z_][a-z0-9_]*:(int|str)\}")


@dataclass(frozen=True)
class Redirect:
    """What a page handler returns to send the browser elsewhere (`screen.redirect(url)`).

    Attributes:
        url: a local path, e.g. `/customers/12` or `/p/vip/briefing`.
    """

    url: str

    def __post_init__(self) -> None:
        if not self.url.startswith("/") or self.url.startswith("//") or "\\" in self.url:
            raise ValueError(f"redirect to {self.url!r}: only local paths (`/...`) are allowed")


class Screen(Protocol):
    """What a page or panel handler receives: the request as a plugin sees it.

    Attributes:
        actor: the signed-in user.
        locale: the language of the response (`en`, `zh_CN`).
        ctx: the services acting as `actor` (`screen.ctx.customers.list(...)`).
        query: the query string's parameters (the first value of each).
        form: the submitted form fields of a POST (empty otherwise).
        params: the page path's parameters (`{guest_id:int}` → `params["guest_id"]`).
        method: the HTTP method.
        htmx: whether htmx sent the request (a fragment is expected back).
        status_code: the status of the page's response; set 400 when re-showing a form with
            errors.
    """

    status_code: int

    @property
    def actor(self) -> Actor: ...  # noqa: D102 - documented on the class

    @property
    def locale(self) -> str: ...  # noqa: D102

    @property
    def ctx(self) -> Context: ...  # noqa: D102

    @property
    def query(self) -> Mapping[str, str]: ...  # noqa: D102

    @property
    def form(self) -> Mapping[str, str]: ...  # noqa: D102

    @property
    def params(self) -> Mapping[str, Any]: ...  # noqa: D102

    @property
    def method(self) -> str: ...  # noqa: D102

    @property
    def htmx(self) -> bool: ...  # noqa: D102

    def render(self, template: str, /, **values: Any) -> str:
        """Render one of the plugin's templates (`"vip/briefing.html"`), escaped.

        The template sees `values` plus what every page sees: `_`, `actor`, `locale`,
        `csrf_token` (put it in a hidden `csrf_token` field of every form) and `slot`. It may
        `{% extends "web/base.html" %}` and fill `title` and `content`.
        """
        ...

    def _(self, text: LazyText | str, /, **params: Any) -> str:
        """`text` translated into the user's language, with `{name}` placeholders filled."""
        ...

    def redirect(self, url: str) -> Redirect:
        """A redirect to the local path `url` (after a successful POST)."""
        ...


PageHandler = Callable[[Screen], "str | Redirect"]
"""A page: returns HTML (from `screen.render`) or a `Redirect`."""
PanelHandler = Callable[..., str]
"""A panel: `handler(screen, **objects)` returns HTML; it is given the slot's objects it names."""


@dataclass(frozen=True)
class PageSpec:
    """A whole page of a plugin, mounted by the web at `/p/<slug><path>`.

    Attributes:
        plugin: the declaring plugin's slug.
        path: the path under the plugin's prefix (`/briefing`, `/guests/{guest_id:int}`; `/`
            is the prefix itself).
        handler: called with a `Screen`; returns HTML or a `Redirect`.
        label: the page's title, and its navigation item when `nav` is set.
        permission: the permission needed to open it (`AUTHENTICATED`: any signed-in user).
        methods: the HTTP methods it answers (`GET`, `POST`, ...); unsafe ones need the CSRF
            token, which the web checks before the handler runs.
        nav: whether it appears in the main navigation (GET pages without parameters only).
        order: its place in the navigation (lower first).
    """

    plugin: str
    path: str
    handler: PageHandler
    label: LazyText | str
    permission: str = AUTHENTICATED
    methods: tuple[str, ...] = ("GET",)
    nav: bool = False
    order: int = 100

    @property
    def prefix(self) -> str:
        """The plugin's prefix, `/p/<slug>`."""
        return f"/p/{self.plugin}"

    @property
    def url(self) -> str:
        """The full path the web serves it at (`/p/vip/briefing`)."""
        if self.path == self.prefix or self.path.startswith(self.prefix + "/"):
            return self.path
        return self.prefix + ("" if self.path == "/" else self.path)

    @property
    def route_key(self) -> str:
        """The path with parameter names erased: two pages with the same key collide."""
        return _PARAMETER.sub(r"{\1}", self.url)

    def problems(self) -> list[str]:
        """What is wrong with the declaration itself (empty when it is well-formed)."""
        where = f"page {self.path!r}"
        found: list[str] = []
        path = self.path
        own = path == self.prefix or path.startswith(self.prefix + "/")
        if path.startswith("/p/") and not own:
            found.append(f"{where} is not under the plugin's prefix {self.prefix}/")
        elif not path.startswith("/"):
            found.append(f"{where} must start with '/'")
        else:
            relative = self.url[len(self.prefix) :]
            segments = relative.split("/")[1:] if relative else []
            if any(not _SEGMENT.fullmatch(s) for s in segments):
                found.append(
                    f"{where} is not a valid path (segments of letters, digits, '-', '_', '.', "
                    "or parameters like {name:int})"
                )
        bad = [m for m in self.methods if m not in METHODS]
        if bad or not self.methods:
            found.append(f"{where}: methods must be some of {', '.join(sorted(METHODS))}")
        if not str(self.label).strip():
            found.append(f"{where} needs a label")
        if not callable(self.handler):
            found.append(f"{where}: handler is not callable")
        if self.nav and ("GET" not in self.methods or _PARAMETER.search(self.url)):
            found.append(f"{where}: only GET pages without path parameters can be in the nav")
        return found


@dataclass(frozen=True)
class PanelSpec:
    """A fragment a plugin contributes to a named slot of a core screen.

    Attributes:
        plugin: the declaring plugin's slug.
        slot: one of `SLOTS` (`customer.main`, `customer.sidebar`, `home.widgets`).
        handler: `handler(screen, **objects)` returns HTML; it receives those of the slot's
            objects its signature names (`def card(screen, customer)`).
        label: the panel's heading.
        permission: the permission needed to see it; None shows it to everyone who sees the
            screen.
        order: its place in the slot (lower first).
    """

    plugin: str
    slot: str
    handler: PanelHandler
    label: LazyText | str
    permission: str | None = None
    order: int = 100
    accepts: frozenset[str] | None = field(init=False, compare=False, repr=False)
    requires: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        accepts: set[str] | None = set()
        requires: set[str] = set()
        try:
            parameters = list(inspect.signature(self.handler).parameters.values())[1:]
        except (TypeError, ValueError):  # not introspectable: give it every object
            parameters = []
            accepts = None
        for parameter in parameters:
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                accepts = None
            elif parameter.kind in (
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                inspect.Parameter.KEYWORD_ONLY,
            ):
                if accepts is not None:
                    accepts.add(parameter.name)
                if parameter.default is inspect.Parameter.empty:
                    requires.add(parameter.name)
        object.__setattr__(self, "accepts", None if accepts is None else frozenset(accepts))
        object.__setattr__(self, "requires", frozenset(requires))

    @property
    def name(self) -> str:
        """The handler's name, for logs and error messages."""
        return str(getattr(self.handler, "__name__", repr(self.handler)))

    def arguments(self, objects: Mapping[str, Any]) -> dict[str, Any]:
        """The slot's objects this panel's handler takes."""
        if self.accepts is None:
            return dict(objects)
        return {k: v for k, v in objects.items() if k in self.accepts}

    def problems(self) -> list[str]:
        """What is wrong with the declaration itself (empty when it is well-formed)."""
        where = f"panel {self.name!r}"
        if self.slot not in SLOTS:
            return [
                f"{where}: unknown slot {self.slot!r} (known slots: {', '.join(sorted(SLOTS))})"
            ]
        found: list[str] = []
        missing = self.requires - set(SLOTS[self.slot])
        if missing:
            given = ", ".join(SLOTS[self.slot]) or "nothing"
            found.append(
                f"{where} needs {', '.join(sorted(missing))}, which slot {self.slot!r} does not "
                f"give (it gives: {given})"
            )
        if not str(self.label).strip():
            found.append(f"{where} needs a label")
        if not callable(self.handler):
            found.append(f"{where}: handler is not callable")
        return found


__all__ = [
    "AUTHENTICATED",
    "SLOTS",
    "PageHandler",
    "PageSpec",
    "PanelHandler",
    "PanelSpec",
    "Redirect",
    "Screen",
]
