"""`guanxi db upgrade` and `guanxi db check`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from guanxi_core.db import make_engine
from guanxi_core.models import PluginState


def mark_enabled(db_url: str, slug: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.add(PluginState(slug=slug, enabled=True))
        session.commit()
    engine.dispose()


def test_check_on_an_empty_database_names_core_and_the_fix(
    guanxi: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = guanxi("db", "check")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: database is behind: core at (none), head 0003_job_runs — run `guanxi db upgrade`\n"
    )
    assert result.stdout == ""


def test_upgrade_then_check_is_up_to_date(
    guanxi: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    upgraded = guanxi("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "core: at 0003_job_runs" in upgraded.stdout
    checked = guanxi("db", "check")
    assert (checked.exit_code, checked.stdout) == (0, "up to date\n")


def test_check_on_a_migrated_database_is_up_to_date(guanxi: Callable[..., Any]) -> None:
    result = guanxi("db", "check")
    assert (result.exit_code, result.stdout) == (0, "up to date\n")


def test_check_names_an_enabled_plugin_that_is_behind(
    guanxi: Callable[..., Any], installed: Callable[..., None], db_url: str
) -> None:
    installed("vip")
    mark_enabled(db_url, "vip")
    result = guanxi("db", "check")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: database is behind: vip at (none), head 0001_vip — run `guanxi db upgrade`\n"
    )


def test_upgrade_migrates_enabled_plugins_after_the_core(
    guanxi: Callable[..., Any],
    installed: Callable[..., None],
    db_url: str,
    table_names: Callable[[], set[str]],
) -> None:
    installed("vip", "needs_vip")
    mark_enabled(db_url, "vip")
    result = guanxi("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["core: at 0003_job_runs", "vip: at 0001_vip"]
    assert {"vip_guest", "alembic_version_vip"} <= table_names()
    assert guanxi("db", "check").exit_code == 0


def test_a_database_error_is_one_line_not_a_traceback(
    guanxi: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    result = guanxi("db", "upgrade")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database error: ")
    assert len(result.stderr.splitlines()) == 1


def test_upgrade_refuses_an_enabled_plugin_with_tables_but_no_migrations(
    guanxi: Callable[..., Any],
    installed: Callable[..., None],
    db_url: str,
    fake_plugin: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    installed("vip")
    monkeypatch.setattr(fake_plugin("vip"), "migrations", None)
    mark_enabled(db_url, "vip")
    result = guanxi("db", "upgrade")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: plugin vip declares tables (vip_guest) but ships no migrations\n"
    )
