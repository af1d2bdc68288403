"""Fixtures for command-line tests: fake installed plugins and a `guanxi` runner."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect
from typer.testing import CliRunner

import guanxi_core.loader
import guanxi_core.users
from guanxi_core import App, Plugin, Settings
from guanxi_core.cli import Runtime, build_cli
from guanxi_core.db import make_engine
from guanxi_core.loader import GROUP

HERE = Path(__file__).parent

FAKES = {
    "vip": "guanxi_cli_fakes.vip:plugin",
    "needs_vip": "guanxi_cli_fakes.needs_vip:plugin",
    "broken": "guanxi_cli_fakes.broken:plugin",
    "future": "guanxi_cli_fakes.future:plugin",
    "greeter": "guanxi_cli_fakes.commands:greeter",
    "server": "guanxi_cli_fakes.commands:server",
    "clasher": "guanxi_cli_fakes.commands:clasher",
    "exploder": "guanxi_cli_fakes.commands:exploder",
}

Install = Callable[..., None]
Guanxi = Callable[..., Any]


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> None:
    """The CLI reads the test database; no strictness or locale leaks in from the shell."""
    monkeypatch.setenv("GUANXI_DATABASE_URL", db_url)
    monkeypatch.delenv("GUANXI_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("GUANXI_LOCALE", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch) -> Install:
    """Pretend that exactly the core and the named fake plugins are installed."""
    monkeypatch.syspath_prepend(str(HERE))
    core = next(ep for ep in entry_points(group=GROUP) if ep.name == "core")
    chosen: list[EntryPoint] = []

    def fake_entry_points(**params: Any) -> list[EntryPoint]:
        group = params.get("group")
        return [ep for ep in [core, *chosen] if group in (None, ep.group)]

    def install(*names: str) -> None:
        chosen[:] = [EntryPoint(name, FAKES[name], GROUP) for name in names]

    monkeypatch.setattr(guanxi_core.loader, "entry_points", fake_entry_points)
    return install


@pytest.fixture
def fake_plugin(installed: Install) -> Callable[[str], Plugin]:
    """The plugin object of a fake, by name."""

    def get(name: str) -> Plugin:
        module, attr = FAKES[name].split(":")
        plugin: Plugin = getattr(importlib.import_module(module), attr)
        return plugin

    return get


@pytest.fixture
def guanxi() -> Guanxi:
    """Run `guanxi ARGS...` in-process against the test database; returns the result."""

    def run(*args: str, input: str | None = None) -> Any:
        runtime = Runtime(Settings.from_env())
        try:
            return CliRunner().invoke(
                build_cli(runtime), list(args), input=input, catch_exceptions=False
            )
        finally:
            runtime.close()

    return run


@pytest.fixture
def open_app(new_app: Callable[..., App]) -> Callable[[], App]:
    """Apps on the test database with the installed plugins, as stored; disposed after."""
    return new_app


@pytest.fixture
def table_names(db_url: str) -> Callable[[], set[str]]:
    """The names of the tables in the test database now."""

    def names() -> set[str]:
        engine = make_engine(db_url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    return names


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the default ones cost most of these tests' time."""
    monkeypatch.setattr(
        guanxi_core.users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
