"""The command line as a whole: plugins' commands, broken plugins, strict mode, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guanxi_core.cli import main

Run = Callable[..., Any]


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_main_runs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "db", "check") == (0, "up to date\n", "")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_main(capsys, "--version")
    assert code == 0
    assert out.startswith("guanxi-core ")


def test_a_broken_plugin_is_listed_and_the_cli_still_works(
    guanxi: Run, installed: Callable[..., None]
) -> None:
    installed("broken", "future")
    assert guanxi("db", "check").exit_code == 0
    rows = {r["slug"]: r for r in json.loads(guanxi("plugins", "list", "--json").stdout)}
    assert (rows["broken"]["state"], rows["future"]["state"]) == ("failed", "incompatible")
    assert "lunar_calendar" in rows["broken"]["reason"]


@pytest.mark.parametrize(
    ("plugin", "reason"),
    [
        ("broken", "broken: import failed: ImportError: No module named 'lunar_calendar'"),
        ("future", "future: requires core >=99, this is "),
        ("clasher", "clasher: could not add commands: command(s) already taken: db"),
        ("exploder", "exploder: could not add commands: RuntimeError: cannot build my commands"),
    ],
)
def test_strict_mode_fails_every_command_with_one_line_naming_the_plugin(
    capsys: pytest.CaptureFixture[str],
    installed: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    plugin: str,
    reason: str,
) -> None:
    installed(plugin)
    monkeypatch.setenv("GUANXI_STRICT_PLUGINS", "1")
    for args in (("db", "check"), ("plugins", "list"), ("--help",)):
        code, out, err = run_main(capsys, *args)
        assert (code, out) == (1, "")
        assert err.startswith("error: plugins failed to load: ")
        assert reason in err
        assert len(err.splitlines()) == 1


def test_plugins_add_commands_through_the_hook(
    guanxi: Run, installed: Callable[..., None]
) -> None:
    installed("greeter")
    assert "hello" not in guanxi("--help").stdout  # installed is not enabled
    assert guanxi("plugins", "enable", "greeter").exit_code == 0
    assert "hello" in guanxi("--help").stdout
    result = guanxi("hello", "--name", "Li")
    assert (result.exit_code, result.stdout) == (0, "hello Li (2 plugins)\n")


@pytest.mark.parametrize("plugin", ["clasher", "exploder"])
def test_a_plugin_failing_to_add_commands_is_reported_and_skipped(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    installed: Callable[..., None],
    plugin: str,
) -> None:
    installed(plugin)
    assert run_main(capsys, "db", "check") == (0, "up to date\n", "")
    assert [r.getMessage() for r in caplog.records if r.name == "guanxi_core.cli"] == [
        f"{plugin}: could not add commands: " + (
            "command(s) already taken: db" if plugin == "clasher"
            else "RuntimeError: cannot build my commands"
        )
    ]


def test_help_does_not_create_a_missing_sqlite_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "new.db"
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{database}")
    code, out, _err = run_main(capsys, "--help")
    assert code == 0
    assert "plugins" in out
    assert not database.exists()
