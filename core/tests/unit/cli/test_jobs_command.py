"""`guanxi jobs list` and `guanxi jobs run NAME`."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

import guanxi_core.loader
from guanxi_core.db import make_engine
from guanxi_core.loader import GROUP
from guanxi_core.models import Customer, JobRun, PluginState

Run = Callable[..., Any]


@pytest.fixture
def chores(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """The fake `chores` plugin (two jobs) is installed and enabled."""
    core = next(ep for ep in entry_points(group=GROUP) if ep.name == "core")
    chores = EntryPoint("chores", "guanxi_cli_fakes.chores:plugin", GROUP)
    monkeypatch.setattr(
        guanxi_core.loader,
        "entry_points",
        lambda **params: [ep for ep in (core, chores) if params.get("group") in (None, GROUP)],
    )
    store_state(db_url, enabled=True)


def store_state(db_url: str, *, enabled: bool) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.merge(PluginState(slug="chores", enabled=enabled))
        session.commit()
    engine.dispose()


def rows(db_url: str, model: Any) -> list[Any]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(model).order_by(model.id)))
    finally:
        engine.dispose()


def listed(guanxi: Run) -> dict[str, dict[str, Any]]:
    result = guanxi("jobs", "list", "--json")
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_list_shows_schedule_next_run_and_last_outcome(guanxi: Run, chores: None) -> None:
    result = guanxi("jobs", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["job", "schedule", "next", "run", "last", "run", "outcome"]
    explode, tidy = lines[1], lines[2]
    assert explode.startswith("chores.explode")
    assert "cron 0 7 * * * (Asia/Shanghai)" in explode
    assert explode.split()[-1] == "never"
    assert tidy.startswith("chores.tidy")
    assert "every 1 hour 30 minutes" in tidy
    assert tidy.split()[-2:] == ["now", "never"]  # an interval job that never ran is due now
    assert guanxi("jobs").stdout == result.stdout


def test_run_records_an_ok_run_and_list_shows_it(guanxi: Run, chores: None, db_url: str) -> None:
    result = guanxi("jobs", "run", "chores.tidy")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("chores.tidy: ok in ")
    assert result.stdout.endswith(" ms: tidied 1 customer\n")
    assert [c.name for c in rows(db_url, Customer)] == ["Tidied by a job"]
    (run,) = rows(db_url, JobRun)
    assert (run.job, run.outcome, run.message) == ("chores.tidy", "ok", "tidied 1 customer")

    tidy = listed(guanxi)["chores.tidy"]
    assert tidy["last_run"]["outcome"] == "ok"
    assert tidy["last_run"]["message"] == "tidied 1 customer"
    assert tidy["every_seconds"] == 5400
    assert tidy["label"] == "Tidy up"
    # Next due an interval after the run started.
    started = tidy["last_run"]["started_at"]
    assert tidy["next_run"] > started
    table = guanxi("jobs", "list").stdout
    assert "ok: tidied 1 customer" in table
    assert " now " not in table.splitlines()[2]


def test_a_failing_job_exits_1_with_one_line_and_keeps_nothing(
    guanxi: Run, chores: None, db_url: str
) -> None:
    result = guanxi("jobs", "run", "chores.explode")
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: chores.explode failed after ")
    assert line.endswith(" ms: RuntimeError: the job broke half-way")
    assert rows(db_url, Customer) == []
    assert [(r.job, r.outcome) for r in rows(db_url, JobRun)] == [("chores.explode", "failed")]
    explode = listed(guanxi)["chores.explode"]
    assert explode["last_run"]["outcome"] == "failed"
    assert explode["cron"] == "0 7 * * *"
    assert explode["timezone"] == "Asia/Shanghai"
    assert "failed: RuntimeError: the job broke half-way" in guanxi("jobs", "list").stdout


def test_an_unknown_job_exits_1_with_one_line(guanxi: Run, chores: None, db_url: str) -> None:
    result = guanxi("jobs", "run", "chores.nope")
    assert result.exit_code == 1
    assert result.stderr == ("error: unknown job chores.nope — `guanxi jobs list` shows the jobs\n")
    assert rows(db_url, JobRun) == []


def test_a_disabled_plugins_job_says_why_it_is_unknown(
    guanxi: Run, chores: None, db_url: str
) -> None:
    store_state(db_url, enabled=False)
    result = guanxi("jobs", "run", "chores.tidy")
    assert result.exit_code == 1
    assert result.stderr == "error: unknown job chores.tidy: plugin chores is disabled\n"
    assert listed(guanxi) == {}
    assert guanxi("jobs", "list").stdout == "no enabled plugin declares a job\n"


def test_jobs_need_a_current_database(
    guanxi: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    for args in (("jobs", "list"), ("jobs", "run", "chores.tidy")):
        result = guanxi(*args)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: database is behind: core at (none)")


def test_jobs_speak_chinese(guanxi: Run, chores: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_LOCALE", "zh_CN")
    table = guanxi("jobs", "list").stdout
    assert table.splitlines()[0].split() == ["定时任务", "计划", "下次运行", "上次运行", "结果"]
    assert "每 1小时 30分钟" in table
    assert "从未" in table
    result = guanxi("jobs", "run", "chores.tidy")
    assert result.stdout.startswith("chores.tidy：成功，用时 ")
    assert "未知的定时任务 x.y" in guanxi("jobs", "run", "x.y").stderr
