"""The 360° customer page: panels edited inline, related customers, tags, history, new customer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Literal

import pytest
from litestar import Litestar
from markupsafe import escape
from sqlmodel import Session, col, select

from guanxi_core import App, CustomerExtension, Field, Plugin, Record, Screen, _
from guanxi_core.access import Actor
from guanxi_core.models import AuditEntry
from guanxi_core.testing import TestDatabase, build_app
from guanxi_web import plugin as web_plugin

HX = {"HX-Request": "true"}
PAYLOADS = ["<script>alert(1)</script>", '" hx-get="/x']


def make_vip_plugin() -> Plugin:
    plugin = Plugin("vip", _("Restaurant VIP"))
    plugin.role(
        "viewer",
        _("Viewer"),
        ["core.customer.view", "core.customer.view_all", "core.activity.view"],
    )

    class Guest(CustomerExtension, plugin=plugin):
        tier: Literal["none", "silver", "gold"] = Field("none", label=_("VIP tier"))
        allergies: str | None = Field(None, label=_("Allergies"), max_length=20)
        notes: str | None = Field(None, label=_("Notes"), max_length=5000)
        spend: Decimal | None = Field(None, label=_("Spend"), min_value=0)
        regular: bool | None = Field(None, label=_("Regular"))

    @plugin.panel("customer.sidebar", label=_("Guest card"))
    def guest_card(screen: Screen, customer: Record) -> str:
        return f"<p>Sidebar card of {escape(customer['name'])}</p>"

    @plugin.panel("customer.main", label=_("Seating"))
    def seating(screen: Screen, view: Any) -> str:
        return f"<p>Main card with {len(view.tags)} tags</p>"

    return plugin


@pytest.fixture
def app(test_db: TestDatabase) -> Iterator[App]:
    core_app = build_app(test_db.fresh_url(), [web_plugin, make_vip_plugin()])
    yield core_app
    core_app.engine.dispose()


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def version_in(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version in the form"
    return match.group(1)


class Browser:
    """A signed-in client that knows its CSRF token."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.token = token_of(client.get("/customers").text)

    def get(self, path: str, *, htmx: bool = False, **kw: Any) -> Any:
        return self.client.get(path, headers=HX if htmx else {}, **kw)

    def post(self, path: str, data: dict[str, Any], *, htmx: bool = False) -> Any:
        if htmx:
            headers = {**HX, "X-CSRF-Token": self.token}
            return self.client.post(path, data=data, headers=headers, follow_redirects=False)
        return self.client.post(
            path, data={**data, "csrf_token": self.token}, follow_redirects=False
        )


@pytest.fixture
def browser(signed_in: Callable[..., Any]) -> Callable[..., Browser]:
    return lambda username, **kw: Browser(signed_in(username, **kw))


def audit_of(app: App, customer_id: int) -> list[AuditEntry]:
    with Session(app.engine) as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(
                    col(AuditEntry.entity) == "customer", col(AuditEntry.entity_id) == customer_id
                )
                .order_by(col(AuditEntry.id))
            )
        )


def new_customer(app: App, username: str, **values: Any) -> int:
    actor = app.actor_by_username(username)
    return app.context(actor).customers.create({"name": "Wang Fang", **values}).id


def error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field_id}"
    return match.group(1)


# -- the page ---------------------------------------------------------------------------------
def test_page_shows_header_facts_panels_per_plugin_and_the_lazy_history(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(
        app,
        "rep1",
        phones=["138 0013 8000"],
        emails=["wf@example.cn"],
        lifecycle_stage="lead",
        **{"vip.tier": "gold", "vip.allergies": "peanuts"},
    )
    page = me.get(f"/customers/{cid}").text
    assert "<h1>Wang Fang</h1>" in page and "Person" in page and "lead" in page
    assert 'href="tel:13800138000"' in page and 'href="mailto:wf@example.cn"' in page
    assert 'id="panel-core"' in page and 'id="panel-vip"' in page
    assert '<h2 id="panel-vip-title">Restaurant VIP</h2>' in page
    assert "peanuts" in page and "gold" in page
    assert f'hx-get="/customers/{cid}/panels/vip/edit"' in page
    assert f'hx-get="/customers/{cid}/history" hx-trigger="revealed"' in page
    assert 'href="/customers/new"' in page
    assert "Timeline" in page  # the activity timeline is part of the page


def test_plugin_panels_appear_in_the_named_slots_of_the_page(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1", name="<b>Wang</b>")
    app.context(app.actor_by_username("rep1")).customers.tag(cid, ["a", "b"])
    page = me.get(f"/customers/{cid}").text
    main, side = page.split('<aside class="customer-side"', 1)
    assert "Main card with 2 tags" in main and "Sidebar card" not in main
    assert "Sidebar card of &lt;b&gt;Wang&lt;/b&gt;" in side


def test_a_nul_character_in_the_input_is_dropped_not_a_server_error(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    response = me.post(
        f"/customers/{cid}/panels/core/save",
        {"version": "1", "name": "Wang\x00 Fang", "address": "\x00"},
    )
    assert response.status_code == 303
    saved = app.context(app.actor_by_username("rep1")).customers.get(cid)
    assert saved["name"] == "Wang Fang" and saved["address"] is None
    created = me.post("/customers/create", {"name": "Li\x00 Na", "source": "\x00web"})
    assert created.status_code == 303


def test_a_user_who_may_not_edit_gets_no_edit_buttons_and_a_403_on_edit_routes(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor]
) -> None:
    user("rep1")
    cid = new_customer(app, "rep1")
    viewer = browser("viewer1", roles=("viewer",))
    page = viewer.get(f"/customers/{cid}")
    assert page.status_code == 200 and "/panels/core/edit" not in page.text
    assert viewer.get(f"/customers/{cid}/panels/core/edit").status_code == 403
    response = viewer.post(f"/customers/{cid}/panels/core/save", {"version": "1", "name": "X"})
    assert response.status_code == 403


# -- editing a panel --------------------------------------------------------------------------
def test_edit_button_gives_the_form_as_a_fragment_and_cancel_restores_the_panel(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1", address="1 Main St")
    fragment = me.get(f"/customers/{cid}/panels/core/edit", htmx=True).text
    assert fragment.lstrip().startswith('<section class="panel editing" id="panel-core"')
    assert "<html" not in fragment
    assert f'hx-post="/customers/{cid}/panels/core/save"' in fragment
    assert 'name="version" value="1"' in fragment
    assert '<input type="text" id="p-core-address" name="address"' in fragment
    assert 'value="1 Main St"' in fragment
    assert 'name="owner_id"' not in fragment  # a rep may not assign customers
    full = me.get(f"/customers/{cid}/panels/core/edit")
    assert full.text.startswith("<!doctype html>") and 'id="p-core-address"' in full.text
    cancel = me.get(f"/customers/{cid}/panels/core", htmx=True).text
    assert cancel.lstrip().startswith('<section class="panel" id="panel-core"')
    assert "1 Main St" in cancel and "<form" not in cancel


def test_saving_a_panel_stores_the_values_writes_the_audit_and_returns_the_panel(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    response = me.post(
        f"/customers/{cid}/panels/core/save",
        {"version": "1", "name": "Wang Fang", "address": "2 Side St", "phones": "138 1\n139 2"},
        htmx=True,
    )
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<section class="panel" id="panel-core"')
    assert "2 Side St" in html and "<form" not in html.split("</section>")[0]
    assert 'id="customer-header" hx-swap-oob="true"' in html  # the header is refreshed too
    assert 'id="customer-history-body" hx-swap-oob="true"' in html  # and the history reloads
    assert 'href="tel:1381"' in html
    saved = app.context(app.actor_by_username("rep1")).customers.get(cid)
    assert saved["address"] == "2 Side St" and saved["phones"] == ["138 1", "139 2"]
    assert saved.version == 2
    entry = audit_of(app, cid)[-1]
    assert entry.action == "update"
    assert entry.changes == {"address": [None, "2 Side St"], "phones": [[], ["138 1", "139 2"]]}


def test_saving_a_plugin_panel_stores_the_extension_values(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    form = me.get(f"/customers/{cid}/panels/vip/edit", htmx=True).text
    assert 'name="vip.tier"' in form and 'name="vip.regular"' in form and 'name="name"' not in form
    response = me.post(
        f"/customers/{cid}/panels/vip/save",
        {"version": "1", "vip.tier": "silver", "vip.spend": "12.50", "vip.regular": ["0", "1"]},
        htmx=True,
    )
    assert response.status_code == 200 and "silver" in response.text
    saved = app.context(app.actor_by_username("rep1")).customers.get(cid)
    assert saved["vip.tier"] == "silver" and saved["vip.spend"] == Decimal("12.50")
    assert saved["vip.regular"] is True
    assert audit_of(app, cid)[-1].changes["vip.tier"] == ["none", "silver"]


def test_without_javascript_a_save_redirects_to_the_page(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    response = me.post(f"/customers/{cid}/panels/core/save", {"version": "1", "name": "Li Na"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{cid}#panel-core"
    assert "<h1>Li Na</h1>" in me.get(f"/customers/{cid}").text


@pytest.mark.parametrize(
    ("locale", "required", "bad_email"),
    [
        ("en", "This field is required.", "Enter valid e-mail addresses."),
        ("zh_CN", "此字段为必填项。", "请输入有效的电子邮箱地址。"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_refused_input_comes_back_with_errors_next_to_the_fields_in_the_users_language(
    app: App,
    browser: Callable[..., Browser],
    locale: str,
    required: str,
    bad_email: str,
    htmx: bool,
) -> None:
    me = browser("rep1", locale=locale)
    cid = new_customer(app, "rep1", address="kept")
    response = me.post(
        f"/customers/{cid}/panels/core/save",
        {"version": "1", "name": "", "emails": "not-an-email", "address": "my new address"},
        htmx=htmx,
    )
    assert response.status_code == (200 if htmx else 422)
    html = response.text
    assert html.startswith("<!doctype html>") != htmx
    assert error_of(html, "p-core-name") == required
    assert error_of(html, "p-core-emails") == bad_email
    assert 'id="p-core-address-error"' not in html
    assert ">not-an-email</textarea>" in html and 'value="my new address"' in html
    assert re.search(r'id="p-core-name" name="name"[^>]* autofocus[^>]* aria-invalid="true"', html)
    saved = app.context(app.actor_by_username("rep1")).customers.get(cid)
    assert saved["name"] == "Wang Fang" and saved["address"] == "kept" and saved.version == 1


def test_a_plugin_fields_error_sits_next_to_that_field(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    response = me.post(
        f"/customers/{cid}/panels/vip/save",
        {"version": "1", "vip.allergies": "x" * 21, "vip.spend": "-3"},
        htmx=True,
    )
    assert error_of(response.text, "p-vip-vip-allergies") == "At most 20 characters."
    assert error_of(response.text, "p-vip-vip-spend") == "At least 0."


# -- conflicts --------------------------------------------------------------------------------
@pytest.mark.parametrize("htmx", [True, False])
def test_a_conflict_names_who_changed_what_keeps_the_input_and_can_be_resolved(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor], htmx: bool
) -> None:
    me = browser("rep1")
    boss = user("boss", roles=("admin",))
    cid = new_customer(app, "rep1", address="Old Road")
    form = me.get(f"/customers/{cid}/panels/core/edit", htmx=True).text
    version = version_in(form)
    app.context(boss).customers.update(cid, {"address": "Boss Road"}, version=1)
    app.context(boss).customers.tag(cid, ["later"])  # not an edit: the edit is still named
    response = me.post(
        f"/customers/{cid}/panels/core/save",
        {"version": version, "name": "Wang Fang", "address": "My Road"},
        htmx=htmx,
    )
    assert response.status_code == (200 if htmx else 409)
    html = response.text
    assert "boss changed this customer on" in html
    assert re.search(
        r'<span class="change-label">Address</span>: <del>Old Road</del> → <ins>Boss Road</ins>',
        html,
    )
    assert 'value="My Road"' in html  # the user's input is kept
    assert 'name="version" value="2"' in html
    assert f'hx-get="/customers/{cid}/panels/core/edit"' in html  # load the current values
    assert app.context(boss).customers.get(cid)["address"] == "Boss Road"
    again = me.post(
        f"/customers/{cid}/panels/core/save",
        {"version": "2", "name": "Wang Fang", "address": "My Road"},
        htmx=htmx,
    )
    assert again.status_code == (200 if htmx else 303)
    assert app.context(boss).customers.get(cid)["address"] == "My Road"


def test_a_conflict_in_chinese_translates_message_and_labels(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor]
) -> None:
    me = browser("rep1", locale="zh_CN")
    boss = user("boss", roles=("admin",))
    cid = new_customer(app, "rep1")
    app.context(boss).customers.update(cid, {"kind": "organization"}, version=1)
    html = me.post(
        f"/customers/{cid}/panels/core/save", {"version": "1", "name": "王芳"}, htmx=True
    ).text
    assert "boss 在" in html and "修改了此客户" in html
    assert '<span class="change-label">类型</span>: <del>个人</del> → <ins>机构</ins>' in html


# -- record-level access, CSRF, malformed input ----------------------------------------------
ID_ROUTES = [
    ("GET", "/customers/{id}", {}),
    ("GET", "/customers/{id}/panels/core", {}),
    ("GET", "/customers/{id}/panels/core/edit", {}),
    ("GET", "/customers/{id}/panels/vip/edit", {}),
    ("POST", "/customers/{id}/panels/core/save", {"version": "1", "name": "Hacked"}),
    ("POST", "/customers/{id}/panels/vip/save", {"version": "1", "vip.tier": "gold"}),
    ("GET", "/customers/{id}/history", {}),
    ("GET", "/customers/{id}/history?before=5", {}),
    ("POST", "/customers/{id}/tags", {"tag": "hacked"}),
    ("POST", "/customers/{id}/tags/remove", {"tag": "theirs"}),
    ("GET", "/customers/{id}/related/search?q=Mine", {}),
    ("POST", "/customers/{id}/related", {"other_id": "{mine}", "title": "x"}),
    ("POST", "/customers/{id}/related/{mine}/remove", {}),
    ("POST", "/customers/{mine}/related/{id}/remove", {}),
]


@pytest.mark.parametrize("htmx", [True, False])
def test_another_reps_customer_is_404_on_every_route(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor], htmx: bool
) -> None:
    other = user("rep2")
    theirs = app.context(other).customers.create({"name": "Theirs Co", "kind": "organization"})
    app.context(other).customers.tag(theirs.id, ["theirs"])
    me = browser("rep1")
    mine = new_customer(app, "rep1", name="Mine Person")
    wrong: list[tuple[str, int]] = []
    for method, path, data in ID_ROUTES:
        url = path.format(id=theirs.id, mine=mine)
        body = {k: v.format(id=theirs.id, mine=mine) for k, v in data.items()}
        response = me.get(url, htmx=htmx) if method == "GET" else me.post(url, body, htmx=htmx)
        if response.status_code != 404 or "Theirs Co" in response.text:
            wrong.append((f"{method} {url}", response.status_code))
    assert wrong == []
    stored = app.context(other).customers.view360(theirs.id)
    assert stored.customer["name"] == "Theirs Co" and stored.tags == ["theirs"]
    assert stored.members == []
    assert [e.action for e in audit_of(app, theirs.id)] == ["create", "tag"]


POST_ROUTES = [
    ("/customers/{id}/panels/core/save", {"version": "1", "name": "Changed"}),
    ("/customers/{id}/tags", {"tag": "x"}),
    ("/customers/{id}/tags/remove", {"tag": "x"}),
    ("/customers/{id}/related", {"other_id": "{org}"}),
    ("/customers/{id}/related/{org}/remove", {}),
    ("/customers/create", {"name": "Sneaky"}),
]


def test_posts_without_the_csrf_token_get_403_and_change_nothing(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("rep1")
    cid = new_customer(app, "rep1")
    org = new_customer(app, "rep1", name="Org", kind="organization")
    app.context(app.actor_by_username("rep1")).customers.affiliate(cid, org)
    app.context(app.actor_by_username("rep1")).customers.tag(cid, ["x"])
    before = [e.action for e in audit_of(app, cid)]
    wrong: list[tuple[str, Any, int]] = []
    for path, data in POST_ROUTES:
        url = path.format(id=cid, org=org)
        for token in (None, "", "forged"):
            body = {k: v.format(id=cid, org=org) for k, v in data.items()}
            if token is not None:
                body["csrf_token"] = token
            for headers in ({}, {**HX, "X-CSRF-Token": token or ""}):
                response = client.post(url, data=body, headers=headers, follow_redirects=False)
                if response.status_code != 403:
                    wrong.append((url, token, response.status_code))
    assert wrong == []
    assert [e.action for e in audit_of(app, cid)] == before
    assert len(app.context(app.actor_by_username("rep1")).customers.list().items) == 2


MALFORMED = [
    ("GET", "/customers/{id}/panels/nowhere", {}, {404}),
    ("GET", "/customers/{id}/panels/nowhere/edit", {}, {404}),
    ("GET", "/customers/{id}/panels/%00/edit", {}, {404}),
    ("GET", "/customers/0/panels/core/edit", {}, {404}),
    ("GET", "/customers/99999999999999999999/panels/core", {}, {404}),
    ("GET", "/customers/9223372036854775807/history", {}, {404}),
    ("GET", "/customers/{id}/history?before=abc", {}, {400}),
    ("GET", "/customers/{id}/history?before=0", {}, {400}),
    ("GET", "/customers/{id}/history?before=99999999999999999999", {}, {400}),
    ("GET", "/customers/{id}/related/search?q=" + "x" * 500, {}, {400}),
    ("GET", "/customers/new?kind=" + "x" * 50, {}, {400}),
    ("POST", "/customers/{id}/panels/core/save", {"name": "No version"}, {400}),
    ("POST", "/customers/{id}/panels/core/save", {"version": "abc"}, {400}),
    ("POST", "/customers/{id}/panels/core/save", {"version": "-1"}, {400}),
    ("POST", "/customers/{id}/panels/core/save", {"version": "9" * 30}, {400}),
    ("POST", "/customers/{id}/panels/core/save", {"version": ["1", "2"]}, {400}),
    ("POST", "/customers/{id}/panels/nowhere/save", {"version": "1"}, {404}),
    ("POST", "/customers/{id}/related", {"other_id": "abc"}, {422}),
    ("POST", "/customers/{id}/related", {"other_id": "9" * 30}, {422}),
    ("POST", "/customers/{id}/related", {"other_id": "{id}"}, {422}),
    ("POST", "/customers/{id}/related/0/remove", {}, {404}),
    ("POST", "/customers/{id}/related/99999999999999999999/remove", {}, {404}),
    ("POST", "/customers/{id}/tags", {"tag": "x" * 81}, {422}),
    ("POST", "/customers/{id}/tags", {"tag": " , "}, {422}),
    ("POST", "/customers/create", {"name": "A", "owner_id": "5", "kind": "robot"}, {422}),
]


@pytest.mark.parametrize("htmx", [True, False])
def test_malformed_ids_versions_and_params_are_400_404_or_422_never_500(
    app: App, browser: Callable[..., Browser], htmx: bool
) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    wrong: list[tuple[str, str, int]] = []
    for method, path, data, statuses in MALFORMED:
        url = path.format(id=cid)
        body = {k: v.format(id=cid) if isinstance(v, str) else v for k, v in data.items()}
        response = me.get(url, htmx=htmx) if method == "GET" else me.post(url, body, htmx=htmx)
        # htmx swaps only 2xx answers: there a refusal's message comes with a 200
        expected = {200} if htmx and statuses == {422} else statuses
        if response.status_code not in expected:
            wrong.append((method, url, response.status_code))
    assert wrong == []
    assert app.context(app.actor_by_username("rep1")).customers.get(cid).version == 1


def test_user_input_is_escaped_on_the_page_in_forms_and_in_the_history(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    rep = app.actor_by_username("rep1")
    customers = app.context(rep).customers
    for payload in PAYLOADS:
        text = {
            "name": payload,
            "address": payload,
            "source": payload,
            "lifecycle_stage": payload,
            "vip.allergies": payload[:20],
            "vip.notes": payload,
        }
        person = customers.create(text)
        org = customers.create({**text, "kind": "organization"})
        customers.create(text)  # not linked yet: found by the search for people to link
        customers.update(person.id, {"address": payload + "!"}, version=1)
        customers.tag(person.id, [payload])
        customers.affiliate(person.id, org.id, title=payload)
        pages = [
            me.get(f"/customers/{person.id}").text,
            me.get(f"/customers/{org.id}").text,
            me.get(f"/customers/{person.id}/panels/core/edit").text,
            me.get(f"/customers/{person.id}/panels/vip/edit", htmx=True).text,
            me.get(f"/customers/{person.id}/history").text,
            me.get(f"/customers/{person.id}/history", htmx=True).text,
            me.get(f"/customers/{org.id}/history", htmx=True).text,
            me.get(
                f"/customers/{org.id}/related/search", params={"q": payload[2:8]}, htmx=True
            ).text,
            me.post(
                f"/customers/{person.id}/panels/core/save",
                {"version": "2", "name": payload, "address": "x" * 600},
                htmx=True,
            ).text,
        ]
        for html in pages:
            assert payload not in html
            assert "<script>alert" not in html and 'hx-get="/x' not in html
        safe = str(escape(payload))
        for html in pages[:8]:
            assert safe in html
        assert f"<ins>{safe}!</ins>" in pages[5]  # the history shows the new address
        assert f"<span>{safe}</span>" in pages[0]  # the tag


# -- history ----------------------------------------------------------------------------------
def test_history_lists_who_changed_what_with_labels_and_displayed_values_newest_first(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor]
) -> None:
    me = browser("rep1", locale="zh_CN")
    boss = user("boss", roles=("admin",))
    cid = new_customer(app, "rep1", **{"vip.spend": "1234.5"})
    app.context(boss).customers.update(cid, {"kind": "organization"}, version=1)
    fragment = me.get(f"/customers/{cid}/history", htmx=True).text
    assert fragment.lstrip().startswith('<div id="customer-history-body">')
    assert '<ol class="history"' in fragment and "<html" not in fragment
    changed, created = fragment.split("</li>\n", 1)[0], fragment
    assert "<strong>boss</strong>" in changed and "修改了字段" in changed
    assert '<span class="change-label">类型</span>: <del>个人</del> → <ins>机构</ins>' in changed
    assert "<strong>rep1</strong>" in created and "1,234.5" in created
    assert fragment.index("boss") < fragment.index("rep1")
    assert me.get(f"/customers/{cid}/history").text.startswith("<!doctype html>")


def test_history_is_paginated_with_a_link_to_older_changes(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    rep = app.actor_by_username("rep1")
    cid = new_customer(app, "rep1", name="v0")
    for number in range(1, 25):
        app.context(rep).customers.update(cid, {"name": f"v{number}"}, version=number)
    first = me.get(f"/customers/{cid}/history", htmx=True).text
    assert "<ins>v24</ins>" in first and "<ins>v5</ins>" in first and "<ins>v4</ins>" not in first
    more = re.search(r'hx-get="(/customers/\d+/history\?before=\d+)"', first)
    assert more
    older = me.get(more.group(1), htmx=True).text
    assert older.lstrip().startswith("<li>") and "<ol" not in older
    assert "<ins>v4</ins>" in older and "<ins>v0</ins>" in older and "before=" not in older
    plain = me.get(more.group(1)).text
    assert plain.startswith("<!doctype html>") and "<ins>v0</ins>" in plain


# -- tags -------------------------------------------------------------------------------------
def test_tags_are_added_and_removed_on_the_page(app: App, browser: Callable[..., Browser]) -> None:
    me = browser("rep1")
    cid = new_customer(app, "rep1")
    html = me.post(f"/customers/{cid}/tags", {"tag": "vip, 2026"}, htmx=True).text
    assert html.lstrip().startswith('<section class="panel" id="customer-tags"')
    assert "<span>vip</span>" in html and "<span>2026</span>" in html
    assert 'id="customer-header" hx-swap-oob="true"' in html
    customers = app.context(app.actor_by_username("rep1")).customers
    assert customers.view360(cid).tags == ["2026", "vip"]
    html = me.post(f"/customers/{cid}/tags/remove", {"tag": "vip"}, htmx=True).text
    assert "<span>vip</span>" not in html and "<span>2026</span>" in html
    assert customers.view360(cid).tags == ["2026"]
    response = me.post(f"/customers/{cid}/tags", {"tag": "x" * 81})
    assert response.status_code == 422
    assert 'id="new-tag-error">Enter a tag of at most 80 characters.' in response.text
    assert f'value="{"x" * 81}"' in response.text  # what was typed is kept
    assert me.post(f"/customers/{cid}/tags", {"tag": "plain"}).status_code == 303


# -- related people and organizations ---------------------------------------------------------
def test_a_person_is_found_linked_with_a_title_and_unlinked(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor]
) -> None:
    me = browser("rep1")
    user("rep2")
    person = new_customer(app, "rep1", name="Dr Li")
    org = new_customer(app, "rep1", name="Union Hospital", kind="organization")
    new_customer(app, "rep2", name="Union Hidden", kind="organization")
    results = me.get(f"/customers/{person}/related/search?q=union", htmx=True).text
    assert results.lstrip().startswith('<fieldset id="related-results"')
    assert "Union Hospital" in results and "Union Hidden" not in results
    assert "Dr Li" not in results  # only organizations for a person
    html = me.post(
        f"/customers/{person}/related", {"other_id": str(org), "title": "Cardiologist"}, htmx=True
    ).text
    assert html.lstrip().startswith('<section class="panel" id="customer-related"')
    assert f'<a href="/customers/{org}">Union Hospital</a>' in html and "Cardiologist" in html
    org_page = me.get(f"/customers/{org}").text
    assert f'<a href="/customers/{person}">Dr Li</a>' in org_page
    assert audit_of(app, person)[-1].action == "affiliate"
    html = me.post(f"/customers/{org}/related/{person}/remove", {}, htmx=True).text
    assert "Dr Li" not in html
    assert app.context(app.actor_by_username("rep1")).customers.view360(person).organizations == []


def test_linking_to_another_reps_customer_reads_like_an_unknown_id_and_links_nothing(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor]
) -> None:
    hidden = app.context(user("rep2")).customers.create({"name": "Hidden", "kind": "organization"})
    me = browser("rep1")
    person = new_customer(app, "rep1")
    answers = [
        me.post(f"/customers/{person}/related", {"other_id": str(other)}, htmx=True).text
        for other in (hidden.id, hidden.id + 1000)
    ]
    assert answers[0] == answers[1].replace(str(hidden.id + 1000), str(hidden.id))
    assert "Choose a customer from the search results." in answers[0] and "Hidden" not in answers[0]
    assert app.context(app.actor_by_username("rep2")).customers.view360(hidden.id).members == []


def test_linking_refuses_a_customer_not_found_with_a_message(
    app: App, browser: Callable[..., Browser], user: Callable[..., Actor]
) -> None:
    me = browser("rep1", locale="zh_CN")
    hidden = app.context(user("rep2")).customers.create({"name": "X", "kind": "organization"})
    person = new_customer(app, "rep1")
    response = me.post(f"/customers/{person}/related", {"other_id": str(hidden.id)}, htmx=True)
    assert response.status_code == 200
    assert "请从搜索结果中选择一个客户。" in response.text
    plain = me.post(
        f"/customers/{person}/related", {"other_id": str(hidden.id), "title": "t" * 121}
    )
    assert plain.status_code == 422 and "最多 120 个字符。" in plain.text
    search = me.get(f"/customers/{person}/related/search?q=x")
    assert search.text.startswith("<!doctype html>") and "没有匹配的客户。" in search.text


# -- a new customer ---------------------------------------------------------------------------
def test_new_customer_form_is_generated_from_the_fields_of_every_plugin(
    app: App, browser: Callable[..., Browser]
) -> None:
    me = browser("rep1")
    html = me.get("/customers/new?kind=organization").text
    assert '<option value="organization" selected>Organization</option>' in html
    assert "<legend>Details</legend>" in html and "<legend>Restaurant VIP</legend>" in html
    assert 'name="vip.tier"' in html and 'name="created_at"' not in html
    assert 'name="owner_id"' not in html
    assert "owner_id" in browser("boss", roles=("admin",)).get("/customers/new").text


@pytest.mark.parametrize(
    ("locale", "message"), [("en", "This field is required."), ("zh_CN", "此字段为必填项。")]
)
def test_new_customer_errors_sit_next_to_the_field_and_success_goes_to_the_page(
    app: App, browser: Callable[..., Browser], locale: str, message: str
) -> None:
    me = browser("rep1", locale=locale)
    refused = me.post(
        "/customers/create", {"name": " ", "address": "kept here", "vip.allergies": "nuts"}
    )
    assert refused.status_code == 422
    assert error_of(refused.text, "new-name") == message
    assert 'value="kept here"' in refused.text and 'value="nuts"' in refused.text
    assert app.context(app.actor_by_username("rep1")).customers.list().items == []
    created = me.post(
        "/customers/create",
        {"name": "Acme", "kind": "organization", "vip.tier": "gold", "phones": "010 1234 5678"},
    )
    assert created.status_code == 303
    cid = int(created.headers["location"].rsplit("/", 1)[1])
    saved = app.context(app.actor_by_username("rep1")).customers.get(cid)
    assert saved["kind"] == "organization" and saved["vip.tier"] == "gold"
    assert saved["owner_id"] == app.actor_by_username("rep1").id
    assert "<h1>Acme</h1>" in me.get(created.headers["location"]).text


def test_new_customer_needs_the_create_permission(
    app: App, browser: Callable[..., Browser]
) -> None:
    viewer = browser("viewer1", roles=("viewer",))
    assert viewer.get("/customers/new").status_code == 403
    assert viewer.post("/customers/create", {"name": "X"}).status_code == 403


def test_web_app_serves_new_before_the_customer_id_route(web: Litestar) -> None:
    paths = {route.path for route in web.routes}
    assert (
        "/customers/new" in paths
        and "/customers/create" in paths
        and "/customers/{customer_id:int}" in paths
    )
