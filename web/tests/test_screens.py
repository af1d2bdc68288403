"""Plugin screens in the web UI: pages under /p/<slug>, navigation items and slot panels."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from guanxi_core import App, Plugin, Record, Redirect, Screen, _
from guanxi_core.loader import PluginStatus
from guanxi_core.testing import TestDatabase, build_app, make_actor
from guanxi_web import WebSettings, create_web_app
from guanxi_web import plugin as web_plugin

XSS = "<script>alert(1)</script>"

TEMPLATES = {
    # A whole page: extends the web's layout, fills the title and the content.
    "demo/hello.html": """{% extends "web/base.html" %}
{% block title %}{{ _("Hello page") }}{% endblock %}
{% block content %}<h1 id="hello">{{ _("Hello page") }}</h1>
<p>{{ _("Signed in as {name}", name=actor.display_name) }}</p>
<p class="echo">{{ echo }}</p>{% endblock %}""",
    # A fragment: the web wraps it in the layout.
    "demo/board.html": """<h1 id="board">Board</h1><p class="who">{{ who }}</p>""",
    "demo/guest.html": """<p id="guest">Guest {{ guest_id }} of type {{ kind }}</p>""",
    "demo/notes.html": """<h1>Notes</h1>
<form method="post" action="/p/demo/notes">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<label for="text">Text</label><input id="text" name="text" value="{{ text }}">
{% if error %}<p class="error" id="text-error">{{ error }}</p>{% endif %}
<button type="submit">Save</button></form>""",
    "demo/card.html": """<p class="card">{{ customer.get("name") }} · {{ note }}</p>""",
    "demo/widget.html": """<p class="widget">{{ _("Widget for {name}", name=actor.username) }}</p>""",
}


def demo_plugin(templates: Path, saved: list[str]) -> Plugin:
    """A plugin with pages and panels of every kind, defined as a vendor would."""
    plugin = Plugin("demo", _("Demo"), templates=templates)
    plugin.permission("board.view", _("See the board"))
    plugin.role("host", _("Host"), ["demo.board.view", "core.customer.view"])

    @plugin.page("/hello", label=_("Hello page"), nav=True, order=2)
    def hello(screen: Screen) -> str:
        return screen.render("demo/hello.html", echo=screen.query.get("echo", ""))

    @plugin.page("/board", label="Board <&>", permission="demo.board.view", nav=True, order=1)
    def board(screen: Screen) -> str:
        return screen.render("demo/board.html", who=screen.actor.username)

    @plugin.page("/guests/{guest_id:int}", label="Guest")
    def guest(screen: Screen) -> str:
        guest_id = screen.params["guest_id"]
        return screen.render("demo/guest.html", guest_id=guest_id, kind=type(guest_id).__name__)

    @plugin.page("/notes", label="Notes", methods=("GET", "POST"))
    def notes(screen: Screen) -> str | Redirect:
        text = screen.form.get("text", "").strip()
        if screen.method == "POST":
            if text:
                saved.append(text)
                return screen.redirect("/p/demo/hello")
            screen.status_code = 400
            return screen.render("demo/notes.html", text=text, error="Write something.")
        return screen.render("demo/notes.html", text="", error=None)

    @plugin.page("/broken", label="Broken")
    def broken(screen: Screen) -> str:
        return 42  # type: ignore[return-value]

    @plugin.panel("customer.main", label="Main <panel>", order=1)
    def main_panel(screen: Screen, customer: Record, view: Any) -> str:
        return screen.render("demo/card.html", customer=customer, note=f"{len(view.tags)} tags")

    @plugin.panel("customer.sidebar", label="Side card")
    def side_panel(screen: Screen, customer: Record) -> str:
        return screen.render("demo/card.html", customer=customer, note=XSS)

    @plugin.panel("home.widgets", label="Widget <b>", order=2)
    def widget(screen: Screen) -> str:
        return screen.render("demo/widget.html")

    @plugin.panel("home.widgets", label="Failing", order=1)
    def failing(screen: Screen) -> str:
        raise RuntimeError("the panel broke")

    @plugin.panel("home.widgets", label="Hosts only", permission="demo.board.view", order=3)
    def hosts_only(screen: Screen) -> str:
        return '<p class="hosts">for hosts</p>'

    return plugin


@pytest.fixture
def saved() -> list[str]:
    return []


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    for name, text in TEMPLATES.items():
        path = tmp_path / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "templates"


@pytest.fixture
def app(test_db: TestDatabase, templates: Path, saved: list[str]) -> Iterator[App]:
    """The web app with the demo plugin enabled (overrides conftest's `app`)."""
    core_app = build_app(test_db.fresh_url(), [web_plugin, demo_plugin(templates, saved)])
    yield core_app
    core_app.engine.dispose()


def customer_of(app: App, username: str, name: str) -> int:
    return app.context(app.actor_by_username(username)).customers.create({"name": name}).id


def test_a_plugin_page_renders_its_own_template_in_the_layout(
    signed_in: Callable[..., Any],
) -> None:
    client = signed_in("rep1")
    response = client.get("/p/demo/hello", params={"echo": XSS})
    assert response.status_code == 200
    html = response.text
    assert '<h1 id="hello">Hello page</h1>' in html
    assert "Signed in as rep1" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and XSS not in html
    assert "<title>Hello page · Guanxi</title>" in html
    assert html.count("<html") == 1


def test_a_fragment_is_wrapped_in_the_layout_and_sent_bare_to_htmx(
    signed_in: Callable[..., Any],
) -> None:
    client = signed_in("host1", roles=("host",))
    html = client.get("/p/demo/board").text
    assert html.startswith("<!doctype html>")
    assert '<div class="plugin-page">' in html and '<h1 id="board">Board</h1>' in html
    assert "<title>Board &lt;&amp;&gt; · Guanxi</title>" in html
    fragment = client.get("/p/demo/board", headers={"HX-Request": "true"}).text
    assert fragment == '<h1 id="board">Board</h1><p class="who">host1</p>'


def test_a_page_needing_a_permission_the_rep_lacks_is_403(
    signed_in: Callable[..., Any],
) -> None:
    response = signed_in("rep1").get("/p/demo/board")
    assert response.status_code == 403
    assert "Board" not in response.text
    assert signed_in("admin1", roles=("admin",)).get("/p/demo/board").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client: Any) -> None:
    response = client.get("/p/demo/hello", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/p/demo/hello"


def test_path_parameters_are_converted_and_malformed_ones_are_404(
    signed_in: Callable[..., Any],
) -> None:
    client = signed_in("rep1")
    assert "Guest 12 of type int" in client.get("/p/demo/guests/12").text
    for bad in ("abc", "99999999999999999999999", "1.5"):
        assert client.get(f"/p/demo/guests/{bad}").status_code == 404, bad


def test_a_post_page_needs_the_csrf_token(
    signed_in: Callable[..., Any], csrf: Callable[..., str], saved: list[str]
) -> None:
    client = signed_in("rep1")
    refused = client.post("/p/demo/notes", data={"text": "hi"}, follow_redirects=False)
    assert refused.status_code == 403
    assert saved == []
    token = csrf(client, "/p/demo/notes")
    done = client.post(
        "/p/demo/notes", data={"text": "hi", "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/p/demo/hello"
    assert saved == ["hi"]


def test_a_post_page_can_show_its_form_again_with_an_error(
    signed_in: Callable[..., Any], csrf: Callable[..., str], saved: list[str]
) -> None:
    client = signed_in("rep1")
    token = csrf(client, "/p/demo/notes")
    response = client.post("/p/demo/notes", data={"text": "  ", "csrf_token": token})
    assert response.status_code == 400
    assert 'id="text-error">Write something.</p>' in response.text
    assert saved == []


def test_a_redirect_answers_htmx_with_hx_redirect(
    signed_in: Callable[..., Any], csrf: Callable[..., str]
) -> None:
    client = signed_in("rep1")
    token = csrf(client, "/p/demo/notes")
    response = client.post(
        "/p/demo/notes",
        data={"text": "x"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/p/demo/hello"


def test_a_page_returning_something_else_than_html_is_a_logged_500(
    signed_in: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = signed_in("rep1")
    with caplog.at_level(logging.ERROR):
        response = client.get("/p/demo/broken")
    assert response.status_code == 500
    assert "Something went wrong on our side." in response.text
    assert any("returned int" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_the_nav_lists_plugin_pages_the_user_may_open_in_order(
    signed_in: Callable[..., Any],
) -> None:
    rep_nav = signed_in("rep1").get("/p/demo/hello").text
    nav = rep_nav[rep_nav.index('<nav class="main-nav"') : rep_nav.index("</nav>")]
    assert '<a href="/p/demo/hello" aria-current="page">Hello page</a>' in nav
    assert "/p/demo/board" not in nav  # the rep may not open it
    assert "/p/demo/notes" not in nav  # not a nav page
    assert 'href="/admin"' not in nav
    host = signed_in("host1", roles=("host",)).get("/customers").text
    nav = host[host.index('<nav class="main-nav"') : host.index("</nav>")]
    assert '<a href="/p/demo/board">Board &lt;&amp;&gt;</a>' in nav
    assert nav.index("/p/demo/board") < nav.index("/p/demo/hello")  # order 1 before 2
    assert '<a href="/customers" aria-current="page">' in nav


def test_the_nav_links_administration_for_administrators(signed_in: Callable[..., Any]) -> None:
    html = signed_in("boss", roles=("admin",)).get("/p/demo/hello").text
    nav = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    assert 'href="/admin">Administration</a>' in nav


def test_nav_labels_are_translated(signed_in: Callable[..., Any], csrf: Callable[..., str]) -> None:
    client = signed_in("rep1", locale="zh_CN")
    html = client.get("/p/demo/hello").text
    assert ">首页</a>" in html and ">客户</a>" in html


def test_home_widgets_show_in_order_and_a_failing_panel_is_boxed_and_logged(
    signed_in: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = signed_in("rep1")
    with caplog.at_level(logging.ERROR, logger="guanxi_web.screens"):
        response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert (
        '<section class="panel plugin-panel" data-plugin="demo"><h2>Widget &lt;b&gt;</h2>' in html
    )
    assert '<p class="widget">Widget for rep1</p>' in html
    failed = html.index('class="panel plugin-panel panel-failed" data-plugin="demo"')
    assert "This panel could not be shown." in html[failed:]
    assert failed < html.index("Widget for rep1")  # order 1 before order 2
    assert "the panel broke" not in html
    assert "for hosts" not in html  # the rep lacks the panel's permission
    assert "My open tasks" in html  # the rest of the page rendered
    [record] = [r for r in caplog.records if r.name == "guanxi_web.screens"]
    assert "failing" in record.getMessage() and "demo" in record.getMessage()
    assert "home.widgets" in record.getMessage()
    assert isinstance(record.exc_info[1] if record.exc_info else None, RuntimeError)


def test_a_panel_with_a_permission_shows_to_those_holding_it(
    signed_in: Callable[..., Any],
) -> None:
    assert '<p class="hosts">for hosts</p>' in signed_in("host1", roles=("host",)).get("/").text


def test_the_failing_panel_box_is_translated(signed_in: Callable[..., Any]) -> None:
    html = signed_in("rep1", locale="zh_CN").get("/").text
    assert "此面板无法显示。" in html


def test_customer_page_slots_show_the_panels_with_escaped_output(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("rep1")
    customer_id = customer_of(app, "rep1", "Ada <Lovelace>")
    html = client.get(f"/customers/{customer_id}").text
    assert '<h2>Main &lt;panel&gt;</h2><p class="card">Ada &lt;Lovelace&gt; · 0 tags</p>' in html
    assert "<h2>Side card</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and XSS not in html


def test_a_disabled_plugin_has_no_pages_nav_items_or_panels(
    test_db: TestDatabase, templates: Path, saved: list[str], login: Callable[..., Any]
) -> None:
    demo = demo_plugin(templates, saved)
    core_app = build_app(test_db.fresh_url(), [web_plugin])
    # Installed but not enabled: known to the app, never registered.
    core_app.statuses["demo"] = PluginStatus("demo", "disabled", plugin=demo)
    try:
        make_actor(core_app, "rep1")
        with TestClient(create_web_app(core_app, WebSettings())) as client:
            assert login(client, "rep1").status_code == 303
            assert client.get("/p/demo/hello").status_code == 404
            home = client.get("/").text
            assert "My open tasks" in home
            assert "Widget for" not in home and "data-plugin=" not in home
            assert "/p/demo" not in home
    finally:
        core_app.engine.dispose()
