"""Enabling and disabling plugins through the core's shared rules (the CLI and the web use them)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from guanxi_core import App, PermissionDenied, Plugin, plugin_admin
from guanxi_core.access import Actor
from guanxi_core.loader import PluginStatus, State
from guanxi_core.models import AuditEntry
from guanxi_core.plugin_admin import PluginRefused
from guanxi_core.testing import make_actor


def install(app: App, plugin: Plugin, state: State = "disabled", reason: str = "") -> None:
    """Pretend `plugin` was discovered in `state` when the app started."""
    app.statuses[plugin.slug] = PluginStatus(
        plugin.slug, state, reason, f"guanxi-{plugin.slug}", "1.2.0", plugin=plugin
    )


@pytest.fixture
def world(app: App) -> App:
    vip = Plugin("vip", "VIP guests")
    vip.permission("guest.view", "See guests")
    install(app, vip)
    install(app, Plugin("needs_vip", "Needs VIP", requires=["vip"]))
    install(app, Plugin("future", "Future"), "incompatible", "requires core >=99, this is 0.1")
    clash = Plugin("clash", "Clash")

    def after_custmer_save() -> None:  # a typo: no such hook, so it cannot register
        """Never called."""

    clash.hook(after_custmer_save)
    install(app, clash)
    return app


def info(app: App, actor: Actor, slug: str) -> plugin_admin.PluginInfo:
    return next(i for i in plugin_admin.overview(app, actor) if i.slug == slug)


def test_enable_is_stored_for_the_next_start_and_audited(world: App, admin: Actor) -> None:
    assert plugin_admin.enable(world, "vip", admin) is True
    assert plugin_admin.stored_states(world) == {"vip": True}
    vip = info(world, admin, "vip")
    # The running app is unchanged: its screens were built at start.
    assert (vip.state, vip.enabled_after_restart, vip.pending) == ("disabled", True, True)
    assert "vip.guest.view" not in world.permissions
    assert plugin_admin.enable(world, "vip", admin) is False
    with Session(world.engine) as session:
        entries = list(session.exec(select(AuditEntry).where(col(AuditEntry.entity) == "plugin")))
    assert [(e.action, e.changes, e.actor_id) for e in entries] == [
        ("enable", {"plugin": "vip"}, admin.id)
    ]


def test_a_requirement_must_be_enabled_first_and_then_stays(world: App, admin: Actor) -> None:
    with pytest.raises(PluginRefused) as refused:
        plugin_admin.enable(world, "needs_vip", admin)
    assert refused.value.code == "requires"
    assert str(refused.value) == "cannot enable needs_vip: enable vip first"
    plugin_admin.enable(world, "vip", admin)
    plugin_admin.enable(world, "needs_vip", admin)
    assert info(world, admin, "vip").required_by == ("needs_vip",)
    with pytest.raises(PluginRefused) as refused:
        plugin_admin.disable(world, "vip", admin)
    assert str(refused.value) == "cannot disable vip: needs_vip require(s) it; disable them first"
    plugin_admin.disable(world, "needs_vip", admin)
    assert plugin_admin.disable(world, "vip", admin) is True
    assert plugin_admin.stored_states(world) == {"vip": False, "needs_vip": False}


def test_refusals_say_why(world: App, admin: Actor) -> None:
    cases = {
        ("enable", "future"): (
            "not_ok",
            "cannot enable future: it is incompatible: requires core >=99, this is 0.1",
        ),
        ("enable", "clash"): (
            "register",
            "cannot enable clash: hook 'after_custmer_save' is not a Guanxi hook",
        ),
        ("enable", "nope"): ("unknown", "unknown plugin nope (installed: "),
        ("disable", "core"): ("core", "the core cannot be disabled"),
        ("disable", "nope"): ("unknown", "unknown plugin nope"),
    }
    for (action, slug), (code, message) in cases.items():
        with pytest.raises(PluginRefused) as refused:
            getattr(plugin_admin, action)(world, slug, admin)
        assert refused.value.code == code
        assert str(refused.value).startswith(message)
    assert plugin_admin.stored_states(world) == {}


def test_refusals_translate(world: App, admin: Actor) -> None:
    with pytest.raises(PluginRefused) as refused:
        plugin_admin.enable(world, "needs_vip", admin)
    text = world.translator.gettext(refused.value.message, "zh_CN", **refused.value.params)
    assert "needs_vip" in text and "vip" in text and text != str(refused.value)


def test_a_builtin_plugin_can_be_disabled_and_enabled_again(world: App, admin: Actor) -> None:
    install(world, Plugin("extra", "Extra", builtin=True), "enabled")
    assert info(world, admin, "extra").can_disable
    assert plugin_admin.disable(world, "extra", admin) is True
    assert plugin_admin.disable(world, "extra", admin) is False
    extra = info(world, admin, "extra")
    assert (extra.state, extra.enabled_after_restart, extra.can_enable) == ("enabled", False, True)
    assert plugin_admin.enable(world, "extra", admin) is True
    assert not info(world, admin, "extra").pending


def test_overview_lists_every_plugin(world: App, admin: Actor) -> None:
    rows = {i.slug: i for i in plugin_admin.overview(world, admin)}
    assert list(rows) == ["core", "vip", "needs_vip", "future", "clash"]
    assert (rows["core"].state, rows["core"].can_disable, rows["core"].builtin) == (
        "enabled",
        False,
        True,
    )
    assert (rows["future"].reason, rows["future"].can_enable) == (
        "requires core >=99, this is 0.1",
        False,
    )
    assert (rows["vip"].version, rows["vip"].title) == ("1.2.0", "VIP guests")
    assert rows["needs_vip"].requires == ("vip",)


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_only_plugin_managers_may(world: App, role: str) -> None:
    actor = make_actor(world, "someone", roles=[role])
    for call in (
        lambda: plugin_admin.overview(world, actor),
        lambda: plugin_admin.enable(world, "vip", actor),
        lambda: plugin_admin.disable(world, "core", actor),
        lambda: plugin_admin.purge(world, "vip", actor),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert plugin_admin.stored_states(world) == {}
