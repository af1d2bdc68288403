"""`guanxi plugins`: list, enable, disable, purge."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from guanxi_core import App, Plugin
from guanxi_core.models import PluginState
from guanxi_core.testing import make_actor

Run = Callable[..., Any]


def states(run: Run) -> dict[str, dict[str, Any]]:
    result = run("plugins", "list", "--json")
    assert result.exit_code == 0, result.output
    return {row["slug"]: row for row in json.loads(result.stdout)}


def stored(app: App) -> dict[str, bool]:
    with Session(app.engine) as session:
        return {row.slug: row.enabled for row in session.exec(select(PluginState))}


def test_list_json_reports_every_installed_plugin(
    guanxi: Run, installed: Callable[..., None]
) -> None:
    installed("vip", "broken", "future")
    rows = states(guanxi)
    assert list(rows) == ["core", "broken", "future", "vip"]
    assert rows["core"] == {
        "slug": "core", "title": "Core", "state": "enabled", "version": rows["core"]["version"],
        "distribution": "guanxi-core", "builtin": True, "requires": [], "reason": "",
    }
    assert rows["vip"]["state"] == "disabled"
    assert rows["vip"]["builtin"] is False
    assert rows["broken"]["state"] == "failed"
    assert rows["broken"]["reason"] == (
        "import failed: ImportError: No module named 'lunar_calendar'"
    )
    assert rows["future"]["state"] == "incompatible"
    assert rows["future"]["reason"].startswith("requires core >=99, this is ")


def test_list_as_a_table_and_bare_plugins_command(
    guanxi: Run, installed: Callable[..., None]
) -> None:
    installed("vip", "broken")
    table = guanxi("plugins", "list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["slug", "state", "version", "distribution", "builtin", "reason"]
    assert any(line.startswith("broken") and "failed" in line for line in lines)
    assert guanxi("plugins").stdout == table.stdout


def test_enable_marks_enabled_and_migrates_its_tables(
    guanxi: Run,
    installed: Callable[..., None],
    open_app: Callable[[], App],
    table_names: Callable[[], set[str]],
) -> None:
    installed("vip")
    result = guanxi("plugins", "enable", "vip")
    assert (result.exit_code, result.stdout) == (0, "enabled vip\n")
    assert {"vip_guest", "alembic_version_vip"} <= table_names()
    app = open_app()
    assert stored(app) == {"vip": True}
    assert app.statuses["vip"].state == "enabled"
    assert app.fields.get("customer", "vip.tier") is not None
    assert guanxi("plugins", "enable", "vip").stdout == "vip is already enabled\n"
    assert guanxi("db", "check").exit_code == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nope", "error: unknown plugin nope (installed: broken, core, future, needs_vip, vip)"),
        ("broken", "error: cannot enable broken: it is failed: import failed: ImportError: "
                   "No module named 'lunar_calendar'"),
        ("future", "error: cannot enable future: it is incompatible: requires core >=99"),
        ("needs_vip", "error: cannot enable needs_vip: it requires vip — run "
                      "`guanxi plugins enable vip` first"),
    ],
)
def test_enable_refuses_with_one_line(
    guanxi: Run, installed: Callable[..., None], table_names: Callable[[], set[str]],
    name: str, message: str,
) -> None:
    installed("vip", "needs_vip", "broken", "future")
    result = guanxi("plugins", "enable", name)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(message)
    assert "vip_guest" not in table_names()


def test_enable_after_its_requirement(guanxi: Run, installed: Callable[..., None]) -> None:
    installed("vip", "needs_vip")
    assert guanxi("plugins", "enable", "vip").exit_code == 0
    assert guanxi("plugins", "enable", "needs_vip").exit_code == 0
    assert states(guanxi)["needs_vip"]["state"] == "enabled"
    refused = guanxi("plugins", "disable", "vip")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: cannot disable vip: needs_vip require(s) it; disable them first\n"
    )


def test_disable_keeps_the_data(
    guanxi: Run,
    installed: Callable[..., None],
    open_app: Callable[[], App],
    table_names: Callable[[], set[str]],
) -> None:
    installed("vip")
    guanxi("plugins", "enable", "vip")
    result = guanxi("plugins", "disable", "vip")
    assert (result.exit_code, result.stdout) == (0, "disabled vip (its data is kept)\n")
    assert "vip_guest" in table_names()
    app = open_app()
    assert stored(app) == {"vip": False}
    assert app.statuses["vip"].state == "disabled"
    assert app.fields.get("customer", "vip.tier") is None
    assert guanxi("plugins", "disable", "vip").stdout == "vip is already disabled\n"


def test_disable_refuses_the_core(guanxi: Run) -> None:
    result = guanxi("plugins", "disable", "core")
    assert (result.exit_code, result.stderr) == (1, "error: the core cannot be disabled\n")


def test_a_builtin_plugin_can_be_disabled_and_enabled_again(
    guanxi: Run, installed: Callable[..., None]
) -> None:
    installed("server")
    assert guanxi("plugins", "disable", "server").exit_code == 0
    assert states(guanxi)["server"]["state"] == "disabled"
    assert guanxi("plugins", "enable", "server").exit_code == 0
    assert states(guanxi)["server"]["state"] == "enabled"


@pytest.fixture
def vip_with_rows(
    guanxi: Run, installed: Callable[..., None], open_app: Callable[[], App]
) -> App:
    installed("vip", "broken")
    assert guanxi("plugins", "enable", "vip").exit_code == 0
    app = open_app()
    admin = make_actor(app, "admin", roles=["admin"])
    customers = app.context(admin).customers
    customers.create({"name": "王芳", "vip.tier": "gold"})
    customers.create({"name": "Li Lei", "vip.tier": "silver"})
    return app


def test_purge_dry_run_prints_the_plan_and_changes_nothing(
    guanxi: Run, vip_with_rows: App, table_names: Callable[[], set[str]]
) -> None:
    result = guanxi("plugins", "purge", "vip", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Purging vip drops:\n"
        "  table vip_guest (2 rows)\n"
        "  version table alembic_version_vip\n"
        "dry run: nothing was changed\n"
    )
    assert {"vip_guest", "alembic_version_vip"} <= table_names()
    assert states(guanxi)["vip"]["state"] == "enabled"


def test_purge_asks_first_and_a_no_changes_nothing(
    guanxi: Run, vip_with_rows: App, table_names: Callable[[], set[str]]
) -> None:
    result = guanxi("plugins", "purge", "vip", input="n\n")
    assert result.exit_code == 1
    assert "Drop these tables and all their rows?" in result.stdout
    assert "vip_guest" in table_names()


@pytest.mark.parametrize("how", [("--yes",), ("-y",), ()])
def test_purge_drops_only_its_data_and_disables_it(
    guanxi: Run,
    vip_with_rows: App,
    table_names: Callable[[], set[str]],
    open_app: Callable[[], App],
    fake_plugin: Callable[[str], Plugin],
    how: tuple[str, ...],
) -> None:
    result = guanxi("plugins", "purge", "vip", *how, input="y\n" if not how else None)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("purged vip; it is now disabled\n")
    remaining = table_names()
    assert not {"vip_guest", "alembic_version_vip"} & remaining
    assert {"customer", "alembic_version_core"} <= remaining
    assert stored(vip_with_rows) == {"vip": False}
    assert states(guanxi)["vip"]["state"] == "disabled"
    # The customers themselves are the core's and stay.
    app = open_app()
    assert "vip.tier" not in {s.key for s in app.fields.for_entity("customer")}
    admin = app.actor_by_username("admin")
    assert len(app.context(admin).customers.list().items) == 2
    # It can be enabled again, from scratch.
    assert guanxi("plugins", "enable", "vip").exit_code == 0
    assert "vip_guest" in table_names()
    assert fake_plugin("vip").slug == "vip"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("core", "error: core is built in; it can be disabled, not purged\n"),
        ("broken", "error: cannot purge broken: import failed: ImportError: "
                   "No module named 'lunar_calendar'\n"),
        ("nope", "error: unknown plugin nope (installed: broken, core, vip)\n"),
    ],
)
def test_purge_refuses(
    guanxi: Run, vip_with_rows: App, name: str, message: str
) -> None:
    for args in (("--dry-run",), ("--yes",)):
        result = guanxi("plugins", "purge", name, *args)
        assert (result.exit_code, result.stderr) == (1, message)
