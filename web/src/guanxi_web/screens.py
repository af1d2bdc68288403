"""Plugin screens in the web UI: pages at `/p/<slug>/...`, panels in slots, navigation items.

A page handler's HTML is the page's *content*: on a normal request it is wrapped in the layout
(`web/base.html`, titled with the page's label) unless it already is a whole document (it
starts with `<!doctype`, i.e. its template extends `web/base.html`); on an htmx request it is
sent as it is, the fragment htmx swaps in. A handler may also return `screen.redirect(url)`.

Templates call `{{ slot("customer.sidebar", customer=customer, view=view) }}`: the panels of
that slot which the user may see, in order, each in its own section. A panel that raises is
logged with its plugin's slug and shown as a small error box; the rest of the page renders.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import anyio.to_thread
import jinja2
from litestar import Request, Response, route
from litestar.enums import HttpMethod, MediaType
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect as RedirectResponse
from markupsafe import Markup, escape

from guanxi_core import Actor, App, Context, LazyText, PageSpec, PanelSpec, Redirect, _
from guanxi_core.screens import AUTHENTICATED, SLOTS
from guanxi_web.rendering import ENVIRONMENT, is_htmx, page_context, render
from guanxi_web.state import request_state, web_context

logger = logging.getLogger(__name__)

MAX_INT_PARAM = 2**63 - 1
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PANEL_FAILED = _("This panel could not be shown.")


class WebScreen:
    """The `Screen` a handler receives, over one Litestar request.

    Args:
        request: the request being answered (the user is signed in).
        form: the submitted form fields (read before the handler runs in its thread).
    """

    def __init__(
        self, request: Request[Any, Any, Any], form: Mapping[str, str] | None = None
    ) -> None:
        self._request = request
        state = request_state(request)
        if state.actor is None:  # the permission guard lets only signed-in users through
            raise RuntimeError("plugin screens are for signed-in users")
        self._actor: Actor = state.actor
        self._locale = state.locale
        self._app: App = web_context(request).app
        self._form: Mapping[str, str] = dict(form or {})
        self.status_code = 200

    @property
    def actor(self) -> Actor:
        """The signed-in user."""
        return self._actor

    @property
    def locale(self) -> str:
        """The language of the response."""
        return self._locale

    @cached_property
    def ctx(self) -> Context:
        """The services, acting as the signed-in user."""
        return self._app.context(self._actor)

    @cached_property
    def query(self) -> Mapping[str, str]:
        """The query string's parameters (the first value of each)."""
        params = self._request.query_params
        return {key: str(params.get(key)) for key in params}

    @property
    def form(self) -> Mapping[str, str]:
        """The form fields of a POST (text fields only; the first value of each)."""
        return self._form

    @cached_property
    def params(self) -> Mapping[str, Any]:
        """The page path's parameters, already converted (`{guest_id:int}` is an int)."""
        return dict(self._request.path_params)

    @property
    def method(self) -> str:
        """The HTTP method."""
        return str(self._request.method)

    @property
    def htmx(self) -> bool:
        """Whether htmx sent the request."""
        return is_htmx(self._request)

    def render(self, template: str, /, **values: Any) -> str:
        """Render a template with what every page sees plus `values`."""
        env: jinja2.Environment = self._request.app.state[ENVIRONMENT]
        return env.get_template(template).render({**page_context(self._request), **values})

    def _(self, text: LazyText | str, /, **params: Any) -> str:
        """`text` in the user's language."""
        return self._app.translator.gettext(text, self._locale, **params)

    def redirect(self, url: str) -> Redirect:
        """A redirect to the local path `url`."""
        return Redirect(url)


async def _form_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    if request.method == "GET" or not request.headers.get("content-type", "").startswith(
        FORM_TYPES
    ):
        return {}
    data = await request.form()
    return {key: value for key in data if isinstance(value := data.get(key), str)}


def _is_document(html: str) -> bool:
    return html.lstrip()[:9].lower() == "<!doctype"


def _respond(
    request: Request[Any, Any, Any], page: PageSpec, screen: WebScreen, result: object
) -> Response[Any]:
    if isinstance(result, Redirect):
        if is_htmx(request):
            return Response("", status_code=200, headers={"HX-Redirect": result.url})
        return RedirectResponse(result.url, status_code=303)
    if not isinstance(result, str):
        raise TypeError(
            f"page {page.url} of plugin {page.plugin} returned {type(result).__name__}, "
            "not HTML (str) or screen.redirect(...)"
        )
    if is_htmx(request) or _is_document(result):
        return Response(result, status_code=screen.status_code, media_type=MediaType.HTML)
    return render(
        request,
        "web/plugin_page.html",
        {"title": screen._(page.label), "content": Markup(result)},  # noqa: S704 - the handler's rendered, escaped template
        status_code=screen.status_code,
    )


def page_route(page: PageSpec) -> HTTPRouteHandler:
    """The Litestar route of one plugin page, guarded by the page's permission."""

    async def serve(request: Request[Any, Any, Any]) -> Response[Any]:
        for value in request.path_params.values():
            if isinstance(value, int) and not -MAX_INT_PARAM <= value <= MAX_INT_PARAM:
                raise NotFoundException
        screen = WebScreen(request, await _form_of(request))
        result = await anyio.to_thread.run_sync(page.handler, screen)
        return _respond(request, page, screen, result)

    serve.__name__ = f"page_{page.plugin}_{getattr(page.handler, '__name__', 'handler')}"
    serve.__doc__ = f"Plugin {page.plugin}: {page.label}."
    return route(
        page.url,
        http_method=[HttpMethod(m) for m in page.methods],
        opt={"permission": page.permission, "plugin": page.plugin},
        name=f"{page.plugin}:{' '.join(page.methods)} {page.route_key}",
    )(serve)


def page_routes(app: App) -> list[HTTPRouteHandler]:
    """The routes of every enabled plugin's pages (a disabled plugin's are absent)."""
    return [page_route(page) for page in app.pages]


def _may_see(actor: Actor, permission: str | None) -> bool:
    return permission is None or permission == AUTHENTICATED or actor.can(permission)


def _request_of(context: jinja2.runtime.Context) -> Request[Any, Any, Any]:
    request = context.get("request")
    if request is None:
        raise RuntimeError("slot() and plugin_nav() need the page context of render()")
    return request  # type: ignore[no-any-return]


def _panel_html(panel: PanelSpec, screen: WebScreen, objects: Mapping[str, Any], slot: str) -> str:
    label = escape(screen._(panel.label))
    plugin = escape(panel.plugin)
    try:
        body = panel.handler(screen, **panel.arguments(objects))
        if not isinstance(body, str):
            raise TypeError(f"returned {type(body).__name__}, not HTML (str)")
    except Exception:
        logger.exception("panel %s of plugin %s failed in slot %s", panel.name, panel.plugin, slot)
        return (
            f'<section class="panel plugin-panel panel-failed" data-plugin="{plugin}">'
            f'<h2>{label}</h2><p class="error" role="status">'
            f"{escape(screen._(PANEL_FAILED))}</p></section>"
        )
    return (
        f'<section class="panel plugin-panel" data-plugin="{plugin}">'
        f"<h2>{label}</h2>{body}</section>"
    )


@jinja2.pass_context
def slot(context: jinja2.runtime.Context, name: str, **objects: Any) -> Markup:
    """Render the panels of slot `name` that the user may see, for a template.

    Used as `{{ slot("customer.sidebar", customer=customer, view=view) }}`; the keyword
    arguments are the slot's objects (see `guanxi_core.screens.SLOTS`).
    """
    if name not in SLOTS:
        raise ValueError(f"unknown slot {name!r}")
    request = _request_of(context)
    actor = request_state(request).actor
    panels = web_context(request).app.panels.get(name, ())
    visible = [p for p in panels if actor is not None and _may_see(actor, p.permission)]
    if not visible:
        return Markup("")
    screen = WebScreen(request)
    return Markup("\n".join(_panel_html(p, screen, objects, name) for p in visible))  # noqa: S704 - each part is escaped or a panel's rendered template


@dataclass(frozen=True)
class NavItem:
    """A plugin page in the main navigation."""

    url: str
    label: str
    current: bool


@jinja2.pass_context
def plugin_nav(context: jinja2.runtime.Context) -> list[NavItem]:
    """The navigation items of plugin pages the user may open, in order."""
    request = _request_of(context)
    actor = request_state(request).actor
    if actor is None:
        return []
    app = web_context(request).app
    path = request.url.path
    items = []
    for page in app.pages:
        if page.nav and _may_see(actor, page.permission):
            url = page.url
            label = app.translator.gettext(page.label, request_state(request).locale)
            current = path == url or path.startswith(url + "/")
            items.append((page.order, label, NavItem(url, label, current)))
    return [item for _order, _label, item in sorted(items, key=lambda i: (i[0], i[1]))]


TEMPLATE_GLOBALS = {"slot": slot, "plugin_nav": plugin_nav}
"""The globals this module adds to the Jinja environment."""
