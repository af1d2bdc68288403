"""Plugin pages and panels: declared with the sugar, validated at registration, registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guanxi_core import App, PageSpec, PanelSpec, Plugin, PluginError, Redirect, Screen, _
from guanxi_core.screens import SLOTS


def page(screen: Screen) -> str:
    return "page"


def card(screen: Screen, customer: Any) -> str:
    return "card"


def widget(screen: Screen) -> str:
    return "widget"


def vip_plugin() -> Plugin:
    plugin = Plugin("vip", _("VIP"))
    plugin.permission("briefing.view", _("See the briefing"))
    plugin.page("/briefing", label=_("Today's guests"), permission="vip.briefing.view", nav=True)(
        page
    )
    plugin.page("/guests/{guest_id:int}", label=_("Guest"), methods=("GET", "POST"))(page)
    plugin.page("/", label=_("VIP"))(page)
    plugin.panel("customer.sidebar", label=_("Guest card"), order=5)(card)
    plugin.panel("home.widgets", label=_("Tonight"), permission="core.customer.view")(widget)
    return plugin


def test_the_sugar_declares_pages_and_panels_and_returns_the_handler() -> None:
    plugin = Plugin("vip", _("VIP"))
    decorated = plugin.page("/briefing", label=_("Briefing"))(page)
    assert decorated is page
    assert plugin.panel("customer.main", label=_("Card"))(card) is card
    assert plugin.pages == [PageSpec("vip", "/briefing", page, _("Briefing"))]
    assert plugin.panels[0].slot == "customer.main"


def test_registered_pages_and_panels_fill_the_registries(make_app: Callable[..., App]) -> None:
    app = make_app(vip_plugin())
    assert [p.url for p in app.pages] == [
        "/p/vip/briefing",
        "/p/vip/guests/{guest_id:int}",
        "/p/vip",
    ]
    briefing = app.pages[0]
    assert (briefing.permission, briefing.nav, briefing.methods) == (
        "vip.briefing.view",
        True,
        ("GET",),
    )
    assert app.pages[1].methods == ("GET", "POST")
    assert app.pages[1].permission == "authenticated"
    assert [p.handler for p in app.panels["customer.sidebar"]] == [card]
    assert [p.label for p in app.panels["home.widgets"]] == [_("Tonight")]


def test_panels_of_a_slot_are_in_order(make_app: Callable[..., App]) -> None:
    first, second = Plugin("aaa", "A"), Plugin("bbb", "B")
    first.panel("home.widgets", label="late", order=50)(widget)
    second.panel("home.widgets", label="early", order=10)(widget)
    second.panel("home.widgets", label="later", order=50)(widget)
    app = make_app(first, second)
    assert [p.label for p in app.panels["home.widgets"]] == ["early", "late", "later"]


def test_a_panel_receives_only_the_objects_it_names() -> None:
    def both(screen: Screen, customer: Any, view: Any = None) -> str:
        return ""

    def anything(screen: Screen, **objects: Any) -> str:
        return ""

    objects = {"customer": 1, "view": 2}
    assert PanelSpec("x", "customer.main", card, "c").arguments(objects) == {"customer": 1}
    assert PanelSpec("x", "customer.main", both, "c").arguments(objects) == objects
    assert PanelSpec("x", "customer.main", anything, "c").arguments(objects) == objects
    assert PanelSpec("x", "home.widgets", widget, "w").arguments({}) == {}


def _fails(make_app: Callable[..., App], plugin: Plugin) -> str:
    with pytest.raises(PluginError) as failure:
        make_app(plugin)
    return str(failure.value)


@pytest.mark.parametrize(
    ("declare", "reason"),
    [
        (
            lambda p: p.page("/p/other/x", label="X")(page),
            "page '/p/other/x' is not under the plugin's prefix /p/bad/",
        ),
        (lambda p: p.page("briefing", label="X")(page), "page 'briefing' must start with '/'"),
        (lambda p: p.page("/a/../b", label="X")(page), "page '/a/../b' is not a valid path"),
        (lambda p: p.page("/a b", label="X")(page), "page '/a b' is not a valid path"),
        (
            lambda p: p.page("/x/{id:float}", label="X")(page),
            "page '/x/{id:float}' is not a valid path",
        ),
        (lambda p: p.page("/x", label="X", methods=("FETCH",))(page), "methods must be some of"),
        (lambda p: p.page("/x", label="")(page), "page '/x' needs a label"),
        (
            lambda p: p.page("/x", label="X", permission="bad.nope")(page),
            "page '/x': unknown permission 'bad.nope'",
        ),
        (
            lambda p: p.page("/x", label="X", permission="other.thing")(page),
            "unknown permission 'other.thing'",
        ),
        (
            lambda p: p.page("/x/{id:int}", label="X", nav=True)(page),
            "only GET pages without path parameters can be in the nav",
        ),
        (
            lambda p: p.page("/x", label="X", methods=("POST",), nav=True)(page),
            "only GET pages without path parameters can be in the nav",
        ),
        (
            lambda p: (p.page("/x", label="X")(page), p.page("/p/bad/x", label="Y")(page)),
            "route GET /p/bad/x is declared twice",
        ),
        (
            lambda p: (
                p.page("/g/{a:int}", label="X")(page),
                p.page("/g/{b:int}", label="Y", methods=("POST", "GET"))(page),
            ),
            "route GET /p/bad/g/{b:int} is declared twice",
        ),
        (
            lambda p: p.panel("customer.footer", label="X")(card),
            "panel 'card': unknown slot 'customer.footer' (known slots: customer.main, "
            "customer.sidebar, home.widgets)",
        ),
        (
            lambda p: p.panel("home.widgets", label="X")(card),
            "panel 'card' needs customer, which slot 'home.widgets' does not give "
            "(it gives: nothing)",
        ),
        (lambda p: p.panel("home.widgets", label=" ")(widget), "panel 'widget' needs a label"),
        (
            lambda p: p.panel("home.widgets", label="X", permission="bad.secret")(widget),
            "panel 'widget': unknown permission 'bad.secret'",
        ),
    ],
)
def test_bad_declarations_fail_the_plugin_with_the_reason(
    make_app: Callable[..., App], declare: Callable[[Plugin], object], reason: str
) -> None:
    plugin = Plugin("bad", "Bad")
    declare(plugin)
    assert reason in _fails(make_app, plugin)


def test_a_failing_plugin_registers_nothing(new_app: Callable[..., App]) -> None:
    plugin = Plugin("bad", "Bad")
    plugin.permission("thing.view", "See")
    plugin.page("/fine", label="Fine", permission="bad.thing.view", nav=True)(page)
    plugin.panel("home.widgets", label="Fine")(widget)
    plugin.panel("nowhere", label="Broken")(widget)
    app = new_app(plugins=[plugin])
    assert app.statuses["bad"].state == "failed"
    assert "unknown slot 'nowhere'" in app.statuses["bad"].reason
    assert app.pages == []
    assert app.panels == {}
    assert "bad.thing.view" not in app.permissions


def test_a_page_may_use_a_permission_of_another_plugin_or_the_core(
    make_app: Callable[..., App],
) -> None:
    plugin = Plugin("ok", "OK")
    plugin.page("/list", label="List", permission="core.customer.view")(page)
    app = make_app(vip_plugin(), plugin)
    assert [p.url for p in app.pages][-1] == "/p/ok/list"


def test_pages_of_plugins_declared_through_the_raw_hook_are_validated_too(
    make_app: Callable[..., App],
) -> None:
    plugin = Plugin("raw", "Raw")

    @plugin.hook
    def register_pages() -> list[PageSpec]:
        return [PageSpec("someone_else", "/x", page, "X")]

    assert "page '/x' is declared for plugin 'someone_else'" in _fails(make_app, plugin)


def test_the_full_path_form_is_accepted_under_the_own_prefix() -> None:
    spec = PageSpec("vip", "/p/vip/briefing", page, "B")
    assert spec.url == "/p/vip/briefing"
    assert spec.problems() == []
    assert PageSpec("vip", "/", page, "B").url == "/p/vip"


def test_redirects_are_local_only() -> None:
    assert Redirect("/p/vip/briefing").url == "/p/vip/briefing"
    for url in ("https://evil.example", "//evil.example", "/\\evil", "javascript:x"):
        with pytest.raises(ValueError, match="only local paths"):
            Redirect(url)


def test_the_slots_are_the_documented_ones() -> None:
    assert SLOTS == {
        "customer.main": ("customer", "view"),
        "customer.sidebar": ("customer", "view"),
        "home.widgets": (),
    }
