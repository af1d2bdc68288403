"""Plugin loading: discover → check → import → register, each in its own try."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint
from typing import Any

import pytest

import guanxi_core.loader
from guanxi_core import (
    ActivityKind,
    App,
    CustomerExtension,
    Field,
    Plugin,
    PluginError,
)

FIXTURES = "core.tests.unit.loader_fixtures"


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, **targets: str) -> None:
    eps = [
        EntryPoint(name, f"{FIXTURES}.{value}", "guanxi.plugins") for name, value in targets.items()
    ]

    def entry_points(group: str) -> list[EntryPoint]:
        return eps if group == "guanxi.plugins" else []

    monkeypatch.setattr(guanxi_core.loader, "entry_points", entry_points)


@pytest.fixture(autouse=True)
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parents[3]))
    for name in list(sys.modules):
        if name.startswith(FIXTURES):
            del sys.modules[name]


def test_broken_and_incompatible_plugins_are_listed_with_reasons_and_skipped(
    monkeypatch: pytest.MonkeyPatch, new_app: Callable[..., App]
) -> None:
    fake_entry_points(
        monkeypatch,
        good="good:plugin",
        raises="raises:plugin",
        future="future:plugin",
        notplugin="twin:not_a_plugin",
    )
    app = new_app()
    statuses = app.statuses
    assert statuses["raises"].state == "failed"
    assert "the vendor forgot a dependency" in statuses["raises"].reason
    assert statuses["future"].state == "incompatible"
    assert "requires core >=99" in statuses["future"].reason
    assert statuses["notplugin"].state == "failed"
    assert "not a guanxi Plugin" in statuses["notplugin"].reason
    assert statuses["good"].state == "disabled"  # installed is not enabled
    assert statuses["core"].state == "enabled"


def test_strict_mode_fails_naming_the_plugin(monkeypatch: pytest.MonkeyPatch, new_app: Callable[..., App]) -> None:
    fake_entry_points(monkeypatch, good="good:plugin", raises="raises:plugin")
    with pytest.raises(PluginError, match="raises: import failed"):
        new_app(strict=True)


def test_two_distributions_with_one_slug_fail_loudly(
    monkeypatch: pytest.MonkeyPatch, new_app: Callable[..., App]
) -> None:
    fake_entry_points(monkeypatch, a_good="good:plugin", b_twin="twin:plugin")
    app = new_app()
    assert app.statuses["good"].state == "disabled"
    failed = [s for s in app.statuses.values() if s.state == "failed"]
    assert len(failed) == 1 and "slug 'good' is already used" in failed[0].reason


def plugin_with(slug: str, **kwargs: Any) -> Plugin:
    return Plugin(slug, slug.title(), **kwargs)


def test_collisions_of_permissions_kinds_and_tables_are_rejected(new_app: Callable[..., App]) -> None:
    first = plugin_with("alpha")
    first.permission("x.view", "x")
    ActivityKind(first, "call", label="Call")

    squatter = plugin_with("beta")
    squatter.permissions.append(first.permissions[0])  # not namespaced beta.*
    kind_thief = plugin_with("gamma")
    kind_thief.kinds.append(first.kinds[0])

    class Guest(CustomerExtension, plugin=plugin_with("delta"), table="x"):
        a: int | None = Field(None, label="A")

    table_thief = plugin_with("epsilon")
    table_thief.extensions.append(Guest)
    app = new_app(plugins=[first, squatter, kind_thief, table_thief]
    )
    assert app.statuses["alpha"].state == "enabled"
    assert "permission 'alpha.x.view' is not namespaced beta.*" in app.statuses["beta"].reason
    assert "activity kind 'alpha.call' is not namespaced gamma.*" in app.statuses["gamma"].reason
    assert "table 'delta_x' is not named epsilon_*" in app.statuses["epsilon"].reason
    assert "alpha.x.view" in app.permissions and "beta" not in app.pm.list_name_plugin()[0][0]
    assert not app.pm.has_plugin("beta")


def test_same_declarations_twice_fail_the_second_plugin(new_app: Callable[..., App]) -> None:
    one = plugin_with("one")
    one.permission("a", "A")
    again = plugin_with("two")
    again.permission("b", "B")
    again.permissions.append(one.permissions[0])
    app = new_app(plugins=[one, again])
    assert app.statuses["two"].state == "failed"
    assert "two.b" not in app.permissions  # nothing of a failed plugin stays


def test_a_hook_with_a_typo_fails_the_plugin(new_app: Callable[..., App]) -> None:
    typo = plugin_with("typo")

    @typo.hook
    def after_custmer_save(ctx: Any, customer: Any, changes: Any, created: bool) -> None:
        """A typo: no such hook."""

    app = new_app(plugins=[typo])
    assert app.statuses["typo"].state == "failed"
    assert "'after_custmer_save' is not a Guanxi hook" in app.statuses["typo"].reason


def test_required_plugins_must_be_enabled(new_app: Callable[..., App]) -> None:
    needy = plugin_with("needy", requires=["absent"])
    app = new_app(plugins=[needy])
    assert app.statuses["needy"].state == "failed"
    assert "absent" in app.statuses["needy"].reason


def test_each_app_has_its_own_manager(new_app: Callable[..., App]) -> None:
    app1 = new_app(plugins=[plugin_with("solo")])
    app2 = new_app(plugins=[])
    assert app1.pm.has_plugin("solo") and not app2.pm.has_plugin("solo")
