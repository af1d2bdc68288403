"""The administration screens: users, teams, roles, plugins; who may open them; their forms."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import func, select
from sqlmodel import Session, col

import guanxi_core.users
import guanxi_web
from guanxi_core import App, Plugin
from guanxi_core.loader import PluginStatus, State
from guanxi_core.models import Team, User
from guanxi_core.plugin_admin import stored_states
from guanxi_core.testing import TEST_PASSWORD
from guanxi_web.tables import web_session

Client = Any
Factory = Callable[..., Client]


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        guanxi_core.users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def admin(signed_in: Factory) -> Client:
    return signed_in("boss", roles=("admin",))


def token(client: Client, path: str = "/admin") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"{path} embeds the CSRF token"
    return found.group(1)


def post(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(
        path, data={**(data or {}), "csrf_token": token(client)}, follow_redirects=False
    )


def field_error(page: str, name: str) -> str:
    """The text of the message shown beside field `name` ("" if none)."""
    found = re.search(rf'id="u-{re.escape(name)}-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def user_id(app: App, username: str) -> int:
    with Session(app.engine) as session:
        found = session.scalar(select(User.id).where(col(User.username) == username))
    assert found is not None
    return found


def sessions_of(app: App, uid: int) -> int:
    with app.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(web_session).where(web_session.c.user_id == uid)
            ).scalar_one()
        )


NEW_USER = {
    "username": "wangfang",
    "display_name": "王芳",
    "email": "wf@example.cn",
    "password": "long enough",
    "confirm": "long enough",
    "locale": "zh_CN",
    "roles": ["rep", "manager"],
}


# -- who may open what --------------------------------------------------------------------------
def test_an_administrator_sees_every_section(admin: Client) -> None:
    index = admin.get("/admin")
    assert index.status_code == 200
    for href in ("/admin/users", "/admin/teams", "/admin/roles", "/admin/plugins"):
        assert f'href="{href}"' in index.text
        assert admin.get(href).status_code == 200
    assert 'href="/admin"' in admin.get("/customers").text  # the navigation link


@pytest.fixture
def samples(app: App, user: Callable[..., Any]) -> dict[str, str]:
    """Real values for the path parameters of the admin routes."""
    rep = user("target", team="North")
    with Session(app.engine) as session:
        team = session.scalar(select(Team.id))
    return {"user_id": str(rep.id), "team_id": str(team), "slug": "web"}


def admin_endpoints(web: Litestar, samples: dict[str, str]) -> Iterator[tuple[str, str]]:
    for route in web.routes:
        if not isinstance(route, HTTPRoute) or not route.path_format.startswith("/admin"):
            continue
        path = re.sub(r"{(\w+)}", lambda m: samples[m.group(1)], route.path_format)
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                yield method, path


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_managers_get_403_on_every_admin_route(
    web: Litestar, app: App, signed_in: Factory, samples: dict[str, str], role: str
) -> None:
    client = signed_in("someone", roles=(role,))
    csrf_token = token(client, "/customers")
    endpoints = list(admin_endpoints(web, samples))
    assert len(endpoints) >= 15
    for method, path in endpoints:
        response = client.request(
            method, path, data={"csrf_token": csrf_token, **NEW_USER}, follow_redirects=False
        )
        assert response.status_code == 403, f"{method} {path}"
        assert "You may not do this." in response.text, f"{method} {path}"
    with Session(app.engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2
        target = session.get(User, int(samples["user_id"]))
        assert target is not None and target.is_active
    assert stored_states(app) == {}


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    for path in ("/admin", "/admin/users", "/admin/plugins"):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/login?next={path}")


def test_every_admin_post_needs_the_csrf_token(
    web: Litestar, app: App, admin: Client, samples: dict[str, str]
) -> None:
    posts = [path for method, path in admin_endpoints(web, samples) if method == "POST"]
    assert len(posts) >= 8
    for path in posts:
        for data in ({**NEW_USER}, {**NEW_USER, "csrf_token": "forged"}):
            response = admin.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, path
            assert "Your form has expired" in response.text
    with Session(app.engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2


# -- users ----------------------------------------------------------------------------------
def test_create_a_user_who_can_then_sign_in(
    admin: Client, app: App, make_client: Factory, login: Callable[..., Any]
) -> None:
    form = admin.get("/admin/users/new")
    assert form.status_code == 200
    assert 'name="username"' in form.text and 'type="password"' in form.text
    with Session(app.engine) as session:
        north = Team(name="North")
        session.add(north)
        session.commit()
        north_id = north.id
    response = post(admin, "/admin/users/create", {**NEW_USER, "team_id": str(north_id)})
    assert response.status_code == 303
    uid = user_id(app, "wangfang")
    assert response.headers["location"] == f"/admin/users/{uid}?done=created"
    page = admin.get(response.headers["location"]).text
    assert "The user was created." in page and "王芳" in page
    actor = app.actor(uid)
    assert (actor.roles, actor.team_id, actor.locale) == (
        frozenset({"rep", "manager"}),
        north_id,
        "zh_CN",
    )
    assert login(make_client(), "wangfang", "long enough").status_code == 303


@pytest.mark.parametrize(
    ("locale", "taken", "short", "differ"),
    [
        (
            "en",
            "This user name is taken.",
            "Use at least 8 characters.",
            "The two passwords differ.",
        ),
        ("zh_CN", "该用户名已被使用。", "至少使用 8 个字符。", "两次输入的密码不一致。"),
    ],
)
def test_refused_user_form_shows_each_message_beside_its_field(
    signed_in: Factory, app: App, locale: str, taken: str, short: str, differ: str
) -> None:
    admin = signed_in("boss", roles=("admin",), locale=locale)
    if locale != "en":  # the catalogue really says so
        assert app.translator.gettext("This user name is taken.", locale) == taken
        assert app.translator.gettext("Use at least {min} characters.", locale, min=8) == short
    response = post(
        admin,
        "/admin/users/create",
        {**NEW_USER, "username": "boss", "password": "short", "confirm": "shirt"},
    )
    assert response.status_code == 400
    page = response.text
    assert field_error(page, "username") == taken
    assert field_error(page, "password") == short
    assert field_error(page, "confirm") == differ
    assert field_error(page, "display_name") == ""
    # What was typed is kept (but never a password).
    assert 'value="boss"' in page and 'value="王芳"' in page and "wf@example.cn" in page
    assert 'value="short"' not in page
    with Session(app.engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_edit_a_user(admin: Client, app: App, user: Callable[..., Any]) -> None:
    rep = user("li")
    page = admin.get(f"/admin/users/{rep.id}")
    assert page.status_code == 200 and 'name="username"' not in page.text  # not editable
    response = post(
        admin,
        f"/admin/users/{rep.id}/save",
        {
            "display_name": "Li Lei",
            "email": "li@example.cn",
            "locale": "en",
            "team_id": "",
            "roles": ["manager"],
            "is_active": "1",
        },
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/admin/users/{rep.id}?done=saved",
    )
    assert "Your changes were saved." in admin.get(response.headers["location"]).text
    actor = app.actor(rep.id)
    assert (actor.display_name, actor.roles) == ("Li Lei", frozenset({"manager"}))


def test_a_refused_edit_keeps_the_input(admin: Client, app: App, user: Callable[..., Any]) -> None:
    rep = user("li")
    response = post(
        admin,
        f"/admin/users/{rep.id}/save",
        {"display_name": "Li Lei", "email": "nope", "locale": "en", "is_active": "1"},
    )
    assert response.status_code == 400
    assert field_error(response.text, "email") == "Enter a valid e-mail address."
    assert field_error(response.text, "roles") == "Choose at least one role."
    assert 'value="Li Lei"' in response.text
    assert app.actor(rep.id).display_name == "li"


def test_deactivating_signs_the_user_out_and_keeps_them_out(
    admin: Client,
    app: App,
    signed_in: Factory,
    make_client: Factory,
    login: Callable[..., Any],
) -> None:
    rep = signed_in("li")
    assert rep.get("/customers").status_code == 200
    uid = user_id(app, "li")
    assert sessions_of(app, uid) == 1
    response = post(admin, f"/admin/users/{uid}/save", {"display_name": "li", "roles": ["rep"]})
    assert response.headers["location"] == f"/admin/users/{uid}?done=deactivated"
    assert sessions_of(app, uid) == 0
    follow = rep.get("/customers", follow_redirects=False)
    assert (follow.status_code, follow.headers["location"]) == (303, "/login?next=/customers")
    again = login(make_client(), "li")
    assert again.status_code == 400 and "Wrong user name or password." in again.text
    listing = admin.get("/admin/users?status=inactive").text
    assert 'href="/admin/users/' + str(uid) + '"' in listing and "Deactivated" in listing
    # Reactivated, the user may sign in again.
    post(
        admin,
        f"/admin/users/{uid}/save",
        {"display_name": "li", "roles": ["rep"], "is_active": "1"},
    )
    assert login(make_client(), "li").status_code == 303


def test_an_administrator_cannot_deactivate_or_demote_themselves(
    admin: Client, app: App, user: Callable[..., Any]
) -> None:
    user("second", roles=("admin",))
    uid = user_id(app, "boss")
    page = admin.get(f"/admin/users/{uid}").text
    assert "This is your own account" in page
    response = post(admin, f"/admin/users/{uid}/save", {"display_name": "Boss", "roles": ["rep"]})
    assert response.status_code == 400
    assert field_error(response.text, "is_active") == "You cannot deactivate your own account."
    assert field_error(response.text, "roles") == "You cannot remove your own administrator role."
    assert app.actor(uid).is_admin
    assert admin.get("/admin").status_code == 200


def test_reset_a_password(
    admin: Client, app: App, signed_in: Factory, make_client: Factory, login: Callable[..., Any]
) -> None:
    rep = signed_in("li")
    uid = user_id(app, "li")
    short = post(admin, f"/admin/users/{uid}/password", {"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert field_error(short.text, "password") == "Use at least 8 characters."
    differ = post(
        admin, f"/admin/users/{uid}/password", {"password": "long enough", "confirm": "long"}
    )
    assert field_error(differ.text, "confirm") == "The two passwords differ."
    assert rep.get("/customers").status_code == 200  # nothing happened yet
    done = post(
        admin,
        f"/admin/users/{uid}/password",
        {"password": "a new secret", "confirm": "a new secret"},
    )
    assert done.headers["location"] == f"/admin/users/{uid}?done=password"
    assert rep.get("/customers", follow_redirects=False).status_code == 303  # signed out
    assert login(make_client(), "li", TEST_PASSWORD).status_code == 400
    assert login(make_client(), "li", "a new secret").status_code == 303


def test_resetting_ones_own_password_keeps_this_session(admin: Client, app: App) -> None:
    uid = user_id(app, "boss")
    done = post(
        admin,
        f"/admin/users/{uid}/password",
        {"password": "a new secret", "confirm": "a new secret"},
    )
    assert done.status_code == 303
    assert admin.get("/admin").status_code == 200


@pytest.fixture
def staff(app: App, user: Callable[..., Any]) -> None:
    user("li", team="North")
    user("wang", roles=("manager",), team="North")
    user("zhao", team="South")


def usernames(page: str) -> list[str]:
    return re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a></td>', page)


def test_users_list_searches_and_filters(admin: Client, app: App, staff: None) -> None:
    assert usernames(admin.get("/admin/users").text) == ["boss", "li", "wang", "zhao"]
    assert usernames(admin.get("/admin/users?q=WAN").text) == ["wang"]
    assert usernames(admin.get("/admin/users?role=manager").text) == ["wang"]
    with Session(app.engine) as session:
        north = session.scalar(select(Team.id).where(col(Team.name) == "North"))
    assert usernames(admin.get(f"/admin/users?team={north}").text) == ["li", "wang"]
    assert usernames(admin.get("/admin/users?status=active&role=rep").text) == ["li", "zhao"]
    assert "No user matches." in admin.get("/admin/users?q=nobody").text


@pytest.mark.parametrize(
    "query", ["role=boss", "status=sleeping", "team=north", "cursor=garbage", "q=" + "x" * 300]
)
def test_malformed_list_parameters_are_400(admin: Client, staff: None, query: str) -> None:
    assert admin.get(f"/admin/users?{query}").status_code == 400


def test_users_list_is_a_fragment_for_htmx(admin: Client, staff: None) -> None:
    full = admin.get("/admin/users?q=li")
    assert full.text.lstrip().startswith("<!doctype html>")
    fragment = admin.get("/admin/users?q=li", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="results">')
    assert "<html" not in fragment.text and usernames(fragment.text) == ["li"]


def test_every_admin_page_is_a_fragment_for_htmx_and_whole_otherwise(
    web: Litestar, admin: Client, samples: dict[str, str]
) -> None:
    pages = [path for method, path in admin_endpoints(web, samples) if method == "GET"]
    assert len(pages) >= 7
    for path in pages:
        plain = admin.get(path)
        assert plain.status_code == 200 and "<html" in plain.text, path
        fragment = admin.get(path, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, path
        assert "<html" not in fragment.text and 'class="admin-nav"' not in fragment.text, path
        assert "<h1>" in fragment.text or 'id="results"' in fragment.text, path


def test_the_next_page_link_keeps_the_filters(
    admin: Client, app: App, user: Callable[..., Any]
) -> None:
    for n in range(55):
        user(f"rep{n:02}")
    first = admin.get("/admin/users?role=rep").text
    assert len(usernames(first)) == 50
    found = re.search(r'<a href="(/admin/users\?[^"]+)">Next page</a>', first)
    assert found is not None
    url = html.unescape(found.group(1))
    assert "role=rep" in url and "cursor=" in url
    assert usernames(admin.get(url).text) == [f"rep{n}" for n in range(50, 55)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/users/abc"),
        ("GET", "/admin/users/0"),
        ("GET", "/admin/users/-1"),
        ("GET", "/admin/users/99999999999999999999999"),
        ("GET", "/admin/users/4242"),
        ("POST", "/admin/users/4242/save"),
        ("POST", "/admin/users/abc/save"),
        ("POST", "/admin/users/4242/password"),
        ("POST", "/admin/teams/4242/rename"),
        ("POST", "/admin/teams/0/delete"),
        ("POST", "/admin/teams/x/delete"),
        ("POST", "/admin/plugins/nope/enable"),
        ("POST", "/admin/plugins/nope/disable"),
        ("POST", "/admin/plugins/" + "x" * 300 + "/enable"),
    ],
)
def test_malformed_or_unknown_ids_are_404(admin: Client, method: str, path: str) -> None:
    data = {"csrf_token": token(admin), "name": "x", "password": "long enough"}
    response = admin.request(method, path, data=data, follow_redirects=False)
    assert response.status_code == 404, response.text


# -- escaping ---------------------------------------------------------------------------------
def test_names_are_escaped_everywhere(admin: Client, app: App, user: Callable[..., Any]) -> None:
    evil = '<script>alert("x")</script>'
    user("mallory", team="<b>Team</b>")
    uid = user_id(app, "mallory")
    saved = post(
        admin,
        f"/admin/users/{uid}/save",
        {"display_name": evil, "roles": ["rep"], "is_active": "1"},
    )
    assert saved.status_code == 303
    for path in ("/admin/users", f"/admin/users/{uid}", "/admin/roles", "/admin/teams"):
        page = admin.get(path).text
        assert "<script>alert" not in page and "<b>Team</b>" not in page, path
    assert "&lt;script&gt;alert" in admin.get(f"/admin/users/{uid}").text
    assert "&lt;b&gt;Team&lt;/b&gt;" in admin.get("/admin/teams").text


# -- teams ------------------------------------------------------------------------------------
def team_names(app: App) -> list[str]:
    with Session(app.engine) as session:
        return sorted(session.scalars(select(Team.name)))


def test_teams_create_rename_delete(admin: Client, app: App) -> None:
    created = post(admin, "/admin/teams/create", {"name": "North"})
    assert created.headers["location"] == "/admin/teams?done=created"
    assert "The team was created." in admin.get(created.headers["location"]).text
    duplicate = post(admin, "/admin/teams/create", {"name": "NORTH"})
    assert duplicate.status_code == 400
    assert "A team with this name already exists." in duplicate.text
    assert 'value="NORTH"' in duplicate.text
    with Session(app.engine) as session:
        north = session.scalar(select(Team.id))
    renamed = post(admin, f"/admin/teams/{north}/rename", {"name": "North-East"})
    assert renamed.status_code == 303
    empty = post(admin, f"/admin/teams/{north}/rename", {"name": " "})
    assert empty.status_code == 400 and "Enter a team name of 1 to 120 characters." in empty.text
    assert team_names(app) == ["North-East"]
    assert post(admin, f"/admin/teams/{north}/delete").status_code == 303
    assert team_names(app) == []


def test_a_team_with_members_cannot_be_deleted(
    admin: Client, app: App, user: Callable[..., Any]
) -> None:
    user("li", team="North")
    with Session(app.engine) as session:
        north = session.scalar(select(Team.id))
    page = admin.get("/admin/teams").text
    assert "1 member(s)" in page and f'href="/admin/users?team={north}"' in page
    refused = post(admin, f"/admin/teams/{north}/delete")
    assert refused.status_code == 400
    assert "This team still has 1 member(s); move them to another team first." in refused.text
    assert team_names(app) == ["North"]


# -- roles ------------------------------------------------------------------------------------
def test_roles_page_lists_permissions_by_plugin_and_holders(
    admin: Client, user: Callable[..., Any]
) -> None:
    user("li")
    user("zhao", roles=("manager",))
    page = admin.get("/admin/roles").text
    assert "Administrator" in page and "Every permission" in page
    manager = page[page.index('id="role-manager"') :]
    manager = manager[: manager.index("</section>")]
    assert "<dt>Core</dt>" in manager
    assert "See the team&#39;s customers" in manager
    assert "zhao" in manager and "li" not in re.sub(r"<[^>]+>", " ", manager).split()


# -- plugins ----------------------------------------------------------------------------------
def install(app: App, plugin: Plugin, state: State = "disabled", reason: str = "") -> None:
    app.statuses[plugin.slug] = PluginStatus(
        plugin.slug, state, reason, f"guanxi-{plugin.slug}", "1.2.0", plugin=plugin
    )


@pytest.fixture
def plugins(app: App) -> App:
    install(app, Plugin("vip", "VIP guests", description="Guests who matter."))
    install(app, Plugin("needs_vip", "Needs VIP", requires=["vip"]))
    install(app, Plugin("future", "Future"), "incompatible", "requires core >=99, this is <0.1>")
    return app


def plugin_block(page: str, slug: str) -> str:
    start = page.index(f'id="plugin-{slug}"')
    return page[start : page.index("</li>", start)]


def test_plugins_page_lists_every_plugin_with_state_and_reason(admin: Client, plugins: App) -> None:
    page = admin.get("/admin/plugins").text
    assert "appear only after the server is restarted" in page
    for slug in ("core", "web", "vip", "needs_vip", "future"):
        assert f'id="plugin-{slug}"' in page
    core = plugin_block(page, "core")
    assert "Enabled" in core and "/disable" not in core and "/enable" not in core
    assert "/disable" not in plugin_block(page, "web")  # not from the web itself
    vip = plugin_block(page, "vip")
    assert "Disabled" in vip and "1.2.0" in vip and "Guests who matter." in vip
    assert 'action="/admin/plugins/vip/enable"' in vip
    future = plugin_block(page, "future")
    assert "Incompatible" in future and "requires core &gt;=99, this is &lt;0.1&gt;" in future
    assert "/enable" not in future


def test_enable_and_disable_through_the_page(admin: Client, plugins: App) -> None:
    enabled = post(admin, "/admin/plugins/vip/enable")
    assert enabled.status_code == 303
    assert stored_states(plugins) == {"vip": True}
    page = admin.get(enabled.headers["location"]).text
    assert "VIP guests will be enabled when the server is restarted." in page
    vip = plugin_block(page, "vip")
    assert "Enabled when the server is next restarted." in vip
    assert 'action="/admin/plugins/vip/disable"' in vip
    assert plugins.statuses["vip"].state == "disabled"  # the running app is unchanged
    assert post(admin, "/admin/plugins/needs_vip/enable").status_code == 303
    refused = post(admin, "/admin/plugins/vip/disable")
    assert refused.status_code == 409
    assert "cannot disable vip: needs_vip require(s) it; disable them first" in plugin_block(
        refused.text, "vip"
    )
    assert post(admin, "/admin/plugins/needs_vip/disable").status_code == 303
    disabled = post(admin, "/admin/plugins/vip/disable")
    assert disabled.status_code == 303
    assert stored_states(plugins) == {"vip": False, "needs_vip": False}
    assert "Enabled when the server" not in plugin_block(admin.get("/admin/plugins").text, "vip")


@pytest.mark.parametrize(
    ("action", "slug", "message"),
    [
        ("enable", "needs_vip", "cannot enable needs_vip: enable vip first"),
        ("enable", "future", "cannot enable future: it is incompatible: requires core"),
        ("disable", "core", "the core cannot be disabled"),
        ("disable", "web", "The web interface cannot be turned off from itself"),
    ],
)
def test_refusals_are_shown_beside_the_plugin(
    admin: Client, plugins: App, action: str, slug: str, message: str
) -> None:
    response = post(admin, f"/admin/plugins/{slug}/{action}")
    assert response.status_code == 409
    assert message in html.unescape(plugin_block(response.text, slug))
    assert stored_states(plugins) == {}


def test_refusals_in_chinese(signed_in: Factory, plugins: App) -> None:
    admin = signed_in("boss", roles=("admin",), locale="zh_CN")
    response = post(admin, "/admin/plugins/needs_vip/enable")
    assert response.status_code == 409
    assert "无法启用 needs_vip：请先启用 vip" in plugin_block(response.text, "needs_vip")
    assert "服务器" in admin.get("/admin/plugins").text


# -- translations -----------------------------------------------------------------------------
ADMIN_FILES = [
    *(Path(guanxi_web.__file__).parent / "templates/web/admin").glob("*.html"),
    *(Path(guanxi_web.__file__).parent / "views").glob("*admin*.py"),
]
MSGID = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def test_every_admin_text_has_a_chinese_translation(app: App) -> None:
    catalogue = app.translator.catalogue("zh_CN")
    found: set[str] = set()
    for path in ADMIN_FILES:
        source = path.read_text()
        # Joined literals in Python: "a " "b" inside _( ... ).
        source = re.sub(r'"\s*\n\s*"', "", source)
        for match in MSGID.finditer(source):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    assert len(found) > 60
    assert sorted(m for m in found if m not in catalogue) == []


def test_the_admin_pages_read_in_chinese(signed_in: Factory, plugins: App) -> None:
    admin = signed_in("boss", roles=("admin",), locale="zh_CN")
    for path in ("/admin", "/admin/users", "/admin/users/new", "/admin/teams", "/admin/roles"):
        page = admin.get(path).text
        assert "管理" in page, path
    assert "Administrator" not in admin.get("/admin/roles").text


def test_the_users_list_shows_each_users_roles_and_team(
    admin: Client, user: Callable[..., Any]
) -> None:
    for n in range(5):
        user(f"rep{n}", roles=("rep", "manager"), team="North")
    page = admin.get("/admin/users").text
    assert page.count("<td>Manager, Sales rep</td>") == 5
    assert page.count("<td>North</td>") == 5
