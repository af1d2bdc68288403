"""The administration screens at `/admin`: users, teams, roles and plugins.

Users and teams need `core.user.manage`, the roles page too; the plugins page needs
`core.plugin.manage`; `/admin` itself opens for either. The rules (who may change what, what a
plugin change needs) live in the core services; these views show them and their refusals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from sqlalchemy import func
from sqlmodel import col, select

from guanxi_core import App, LazyText, _, plugin_admin
from guanxi_core.access import ADMIN_ROLE
from guanxi_core.models import Team, User
from guanxi_core.plugin_admin import PluginRefused
from guanxi_core.services.users import UserInfo, UserService
from guanxi_web._plugin import plugin as web_plugin
from guanxi_web.rendering import render
from guanxi_web.state import request_state, web_context
from guanxi_web.views import _admin_users
from guanxi_web.views._admin import (
    ADMIN_BLOCK,
    PLUGINS,
    USERS,
    any_admin_permission,
    redirect,
    translated,
)
from guanxi_web.views._shared import actor_of

STATE_LABELS: dict[str, LazyText] = {
    "enabled": _("Enabled"),
    "disabled": _("Disabled"),
    "failed": _("Failed"),
    "incompatible": _("Incompatible"),
}
PLUGIN_NOTICES = {
    "enabled": _("{title} will be enabled when the server is restarted."),
    "disabled": _("{title} will be disabled when the server is restarted; its data is kept."),
}
WEB_CANNOT_DISABLE = _(
    "The web interface cannot be turned off from itself; run `guanxi plugins disable web` "
    "on the server instead."
)
MAX_SLUG = 200


def _app(request: Request[Any, Any, Any]) -> App:
    return web_context(request).app


def _locale(request: Request[Any, Any, Any]) -> str:
    return request_state(request).locale


# -- the index --------------------------------------------------------------------------------
@get(
    "/admin",
    opt={"permission": "authenticated"},
    guards=[any_admin_permission],
    sync_to_thread=True,
)
def index(request: Request[Any, Any, Any]) -> Response[str]:
    """The sections the administrator may open, with a count of each."""
    app, actor = _app(request), actor_of(request)
    counts: dict[str, Any] = {}
    if actor.can(USERS):
        with app.context(actor).read() as session:
            total, active = session.execute(
                select(func.count(), func.count().filter(col(User.is_active)))
            ).one()
            teams = session.execute(select(func.count()).select_from(Team)).scalar_one()
        counts |= {"users": total, "active": active, "teams": teams, "roles": len(app.roles)}
    problems = 0
    if actor.can(PLUGINS):
        problems = sum(1 for s in app.statuses.values() if not s.ok)
        counts |= {"plugins": len(app.statuses)}
    return render(
        request,
        "web/admin/index.html",
        {"counts": counts, "problems": problems, "users_ok": actor.can(USERS)},
        block=ADMIN_BLOCK,
    )


# -- roles ------------------------------------------------------------------------------------
@dataclass
class RoleView:
    """A role as the roles page shows it: permissions grouped by plugin, and its holders."""

    name: str
    label: str
    every_permission: bool
    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    holders: list[UserInfo] = field(default_factory=list)


@get("/admin/roles", opt={"permission": USERS}, sync_to_thread=True)
def roles_page(request: Request[Any, Any, Any]) -> Response[str]:
    """Every role with its permissions (grouped by plugin) and the users who hold it."""
    app, locale = _app(request), _locale(request)
    holders = UserService(app.context(actor_of(request))).role_holders()
    order = {slug: n for n, slug in enumerate(app.statuses)}
    titles = {
        slug: translated(app, locale, status.plugin.title if status.plugin else slug)
        for slug, status in app.statuses.items()
    }
    views: list[RoleView] = []
    for name, info in app.roles.items():
        grouped: dict[str, list[str]] = {}
        for permission in info.permissions:
            owner = app.permission_owner.get(permission, "")
            declared = app.permissions.get(permission)
            label = translated(app, locale, declared.label) if declared else permission
            grouped.setdefault(owner, []).append(label)
        groups = [
            (titles.get(owner) or translated(app, locale, _("Other")), sorted(labels))
            for owner, labels in sorted(grouped.items(), key=lambda i: order.get(i[0], 1 << 30))
        ]
        views.append(
            RoleView(
                name=name,
                label=translated(app, locale, info.label),
                every_permission=name == ADMIN_ROLE,
                groups=groups,
                holders=holders.get(name, []),
            )
        )
    views.sort(key=lambda v: (not v.every_permission, v.label))
    return render(request, "web/admin/roles.html", {"roles": views}, block=ADMIN_BLOCK)


# -- plugins ----------------------------------------------------------------------------------
def _plugins_page(
    request: Request[Any, Any, Any],
    *,
    refusal: tuple[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    app, locale = _app(request), _locale(request)
    infos = plugin_admin.overview(app, actor_of(request))
    return render(
        request,
        "web/admin/plugins.html",
        {
            "plugins": infos,
            "titles": {i.slug: translated(app, locale, i.title) for i in infos},
            "descriptions": {
                i.slug: translated(app, locale, i.description) if i.description else ""
                for i in infos
            },
            "state_labels": {k: translated(app, locale, v) for k, v in STATE_LABELS.items()},
            "web_slug": web_plugin.slug,
            "refusal": refusal,
            "notice": notice,
        },
        block=ADMIN_BLOCK,
        status_code=status_code,
    )


@get("/admin/plugins", opt={"permission": PLUGINS}, sync_to_thread=True)
def plugins_page(
    request: Request[Any, Any, Any],
    done: Annotated[str, QueryParameter(max_length=20)] = "",
    plugin: Annotated[str, QueryParameter(max_length=MAX_SLUG)] = "",
) -> Response[str]:
    """Every installed plugin: version, state and reason; enable and disable buttons."""
    app = _app(request)
    notice = None
    status = app.statuses.get(plugin)
    if done in PLUGIN_NOTICES and status is not None:
        title = status.plugin.title if status.plugin else plugin
        notice = translated(
            app,
            _locale(request),
            PLUGIN_NOTICES[done],
            title=translated(app, _locale(request), title),
        )
    return _plugins_page(request, notice=notice)


def _refused(request: Request[Any, Any, Any], slug: str, refused: PluginRefused) -> Response[str]:
    if refused.code == "unknown":
        raise NotFoundException
    message = translated(_app(request), _locale(request), refused.message, **refused.params)
    return _plugins_page(request, refusal=(slug, message), status_code=409)


def _done_url(done: str, slug: str) -> str:
    return "/admin/plugins?" + urlencode({"done": done, "plugin": slug})


def _slug(slug: str) -> str:
    if not slug or len(slug) > MAX_SLUG:
        raise NotFoundException
    return slug


@post("/admin/plugins/{slug:str}/enable", opt={"permission": PLUGINS}, sync_to_thread=True)
def enable_plugin(request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[Any]:
    """Enable a plugin from the next start (its tables are created now)."""
    app = _app(request)
    try:
        changed = plugin_admin.enable(app, _slug(slug), actor_of(request))
    except PluginRefused as refused:
        return _refused(request, slug, refused)
    return redirect(_done_url("enabled", slug) if changed else "/admin/plugins")


@post("/admin/plugins/{slug:str}/disable", opt={"permission": PLUGINS}, sync_to_thread=True)
def disable_plugin(request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[Any]:
    """Disable a plugin from the next start; its data is kept."""
    app = _app(request)
    _slug(slug)
    if slug == web_plugin.slug:
        message = translated(app, _locale(request), WEB_CANNOT_DISABLE)
        return _plugins_page(request, refusal=(slug, message), status_code=409)
    try:
        changed = plugin_admin.disable(app, slug, actor_of(request))
    except PluginRefused as refused:
        return _refused(request, slug, refused)
    return redirect(_done_url("disabled", slug) if changed else "/admin/plugins")


ROUTES = [
    index,
    *_admin_users.ROUTES,
    roles_page,
    plugins_page,
    enable_plugin,
    disable_plugin,
]
