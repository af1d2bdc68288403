"""`guanxi demo`: seed once, print the logins, start the web UI when one is installed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from guanxi_core import App
from guanxi_core.models import Activity, AuditEntry, Customer, User

Run = Callable[..., Any]


def counts(app: App) -> tuple[int, int, int, int]:
    with Session(app.engine) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Customer, Activity, AuditEntry)
        )


def test_seed_only_builds_the_demo_and_prints_the_logins(
    guanxi: Run, open_app: Callable[[], App]
) -> None:
    result = guanxi("demo", "--seed-only", "--customers", "12")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Seeded 12 customers (2 organizations) and ")
    assert lines[1] == "Demo logins:"
    assert lines[2].split() == ["Role", "Full", "name", "Login", "Password"]
    assert lines[3].split()[0] == "Administrator"
    assert lines[3].split()[-2:] == ["admin", "admin-demo"]
    assert [line.split()[-1] for line in lines[4:7]] == [
        "manager-demo", "rep1-demo", "rep2-demo"
    ]
    assert len(lines) == 7  # nothing about the web UI with --seed-only
    users, customers, activities, audit = counts(open_app())
    assert (users, customers) == (4, 12)
    assert activities > 12
    assert audit > customers + activities


def test_seed_only_is_idempotent(guanxi: Run, open_app: Callable[[], App]) -> None:
    assert guanxi("demo", "--seed-only", "--customers", "6").exit_code == 0
    before = counts(open_app())
    again = guanxi("demo", "--seed-only", "--customers", "6")
    assert again.exit_code == 0, again.output
    assert "already has customers; seeding skipped." in again.stdout
    assert "admin-demo" in again.stdout
    assert counts(open_app()) == before


def test_chinese_demo_prints_chinese_labels(guanxi: Run) -> None:
    result = guanxi("demo", "--seed-only", "--locale", "zh_CN", "--customers", "6")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("已在 ")
    assert lines[1] == "演示账号："
    assert lines[2].split() == ["角色", "姓名", "登录名", "密码"]
    assert lines[3].split()[0] == "管理员"


def test_locale_defaults_to_guanxi_locale(guanxi: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_LOCALE", "zh_CN")
    result = guanxi("demo", "--seed-only", "--customers", "3")
    assert "演示账号：" in result.stdout


def test_unknown_locale_is_a_usage_error(guanxi: Run) -> None:
    assert guanxi("demo", "--seed-only", "--locale", "fr").exit_code == 2


def test_default_database_is_guanxi_demo_db_in_the_current_folder(
    guanxi: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GUANXI_DATABASE_URL")
    result = guanxi("demo", "--seed-only", "--customers", "3")
    assert result.exit_code == 0, result.output
    assert "sqlite:///guanxi-demo.db" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["guanxi-demo.db"]


def test_database_option_wins(guanxi: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = guanxi("demo", "--seed-only", "--customers", "3", "--database", url)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere.db").exists()
    assert url in result.stdout


def test_without_seed_only_says_when_the_web_ui_is_missing(guanxi: Run) -> None:
    result = guanxi("demo", "--customers", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "No `guanxi serve` command is installed yet, so the web UI cannot start."
    )


def test_without_seed_only_starts_a_serve_command_on_the_demo_database(
    guanxi: Run, installed: Callable[..., None], tmp_path: Path
) -> None:
    installed("server")
    url = f"sqlite:///{tmp_path / 'shown.db'}"
    result = guanxi("demo", "--customers", "3", "--database", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [
        "Starting the web UI (`guanxi serve`)…",
        f"serving {url} on port 8000",
    ]


def test_seed_only_tells_how_to_start_an_installed_web_ui(
    guanxi: Run, installed: Callable[..., None], tmp_path: Path
) -> None:
    installed("server")
    url = f"sqlite:///{tmp_path / 'shown.db'}"
    result = guanxi("demo", "--seed-only", "--customers", "3", "--database", url)
    assert result.stdout.splitlines()[-1] == (
        f"Start the web UI with `GUANXI_DATABASE_URL={url} guanxi serve`."
    )


def test_demo_into_a_database_with_a_demo_login_taken_is_one_line(guanxi: Run) -> None:
    assert guanxi("users", "create", "admin", "--password", "long enough").exit_code == 0
    result = guanxi("demo", "--seed-only", "--customers", "3")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the database already has user(s) admin; "
        "build the demo in an empty database (--database)\n"
    )
