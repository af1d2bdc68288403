"""Jobs: declarations checked when made, the registry, manual runs and their records."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from guanxi_core import App, Context, JobSpec, NotFoundError, Plugin, _, hookimpl
from guanxi_core.errors import PluginError
from guanxi_core.jobs import last_runs, local_timezone, run_job
from guanxi_core.models import Customer, JobRun

MakeApp = Callable[..., App]


def noop(ctx: Context) -> None:
    return None


# -- declarations ------------------------------------------------------------------------------
def test_plugin_job_sugar_declares_a_namespaced_job() -> None:
    plugin = Plugin("vip", _("VIP"))

    @plugin.job("digest", cron="0 7 * * *", label=_("Morning digest"), description="Daily.")
    def digest(ctx: Context) -> str:
        return "sent"

    (job,) = plugin.register_jobs()
    assert (job.plugin, job.name, job.handler, job.cron, job.every) == (
        "vip",
        "vip.digest",
        digest,
        "0 7 * * *",
        None,
    )
    assert job.label == _("Morning digest")
    assert job.description == "Daily."


def test_a_job_name_may_already_carry_the_slug_and_defaults_its_label() -> None:
    job = JobSpec("vip", "vip.cleanup", noop, every=timedelta(hours=1))
    assert (job.name, job.label) == ("vip.cleanup", "cleanup")


def test_cron_whitespace_is_normalised() -> None:
    assert JobSpec("vip", "a", noop, cron=" 0  7 * *\t* ").cron == "0 7 * * *"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give exactly one of every= and cron="),
        (
            {"every": timedelta(hours=1), "cron": "0 7 * * *"},
            "give exactly one of every= and cron=",
        ),
        ({"every": timedelta(seconds=30)}, "every= must be a timedelta of at least 1 minute"),
        ({"every": 60}, "every= must be a timedelta of at least 1 minute"),
        ({"cron": "0 7 * *"}, "must have 5 fields"),
        ({"cron": "0 0 7 * * *"}, "must have 5 fields"),
        ({"cron": "61 7 * * *"}, "invalid cron '61 7 * * *': Bad minute"),
        ({"cron": "0 7 * * funday"}, "invalid cron"),
        ({"cron": "0 0 30 2 *"}, "invalid cron '0 0 30 2 *': Bad day-of-month"),
        ({"cron": "0 7 * * *", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"every": timedelta(hours=1), "timezone": "UTC"}, "timezone= applies to cron="),
    ],
)
def test_bad_schedules_fail_when_declared(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"^job 'vip\.digest': ") as caught:
        JobSpec("vip", "digest", noop, **kwargs)
    assert message in str(caught.value)


@pytest.mark.parametrize("name", ["Digest", "morning-digest", "1st", "", "a.b", "other.digest"])
def test_bad_job_names_fail_when_declared(name: str) -> None:
    with pytest.raises(ValueError, match="lower-case letters, digits and underscores"):
        JobSpec("vip", name, noop, every=timedelta(hours=1))


def test_a_handler_must_be_callable() -> None:
    with pytest.raises(ValueError, match="handler is not callable"):
        JobSpec("vip", "digest", "send_digest", every=timedelta(hours=1))  # type: ignore[arg-type]


def test_the_sugar_checks_at_import_time() -> None:
    plugin = Plugin("vip", _("VIP"))
    with pytest.raises(ValueError, match="invalid cron"):

        @plugin.job("digest", cron="0 25 * * *")
        def digest(ctx: Context) -> None: ...

    assert plugin.jobs == []


# -- schedules ---------------------------------------------------------------------------------
NOW = datetime(2026, 1, 10, 0, 0, tzinfo=UTC)


def test_an_interval_job_is_due_at_once_then_every_interval_after_its_last_start() -> None:
    job = JobSpec("vip", "sync", noop, every=timedelta(minutes=15))
    assert job.next_run(None, NOW) == NOW
    assert job.is_due(None, NOW)
    last = NOW - timedelta(minutes=10)
    assert job.next_run(last, NOW) == NOW + timedelta(minutes=5)
    assert not job.is_due(last, NOW)
    assert job.is_due(NOW - timedelta(minutes=15), NOW)


def test_a_cron_job_runs_at_its_time_in_its_time_zone() -> None:
    job = JobSpec("vip", "digest", noop, cron="0 7 * * *", timezone="Asia/Shanghai")
    # 00:00 UTC is 08:00 in Shanghai: today's 07:00 has passed, so tomorrow's (23:00 UTC).
    assert job.next_run(None, NOW) == datetime(2026, 1, 10, 23, 0, tzinfo=UTC)
    assert not job.is_due(None, NOW)
    # Last ran yesterday at 07:00 local: today's 07:00 (23:00 UTC on the 9th) is overdue.
    yesterday = datetime(2026, 1, 8, 23, 0, 5, tzinfo=UTC)
    assert job.next_run(yesterday, NOW) == datetime(2026, 1, 9, 23, 0, tzinfo=UTC)
    assert job.is_due(yesterday, NOW)


def test_a_cron_job_keeps_its_local_time_across_daylight_saving() -> None:
    job = JobSpec("vip", "digest", noop, cron="0 7 * * *", timezone="America/New_York")
    before = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # EST: 07:00 is 12:00 UTC
    after = job.next_run(before, before)
    assert after == datetime(2026, 3, 8, 11, 0, tzinfo=UTC)  # EDT from 8 March: 11:00 UTC
    assert after.astimezone(ZoneInfo("America/New_York")).hour == 7


def test_weekday_schedules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    job = JobSpec("vip", "weekly", noop, cron="30 9 * * MON")
    friday = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
    assert job.next_run(None, friday) == datetime(2026, 1, 12, 9, 30, tzinfo=UTC)


def test_without_a_time_zone_cron_reads_the_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    assert local_timezone() == ZoneInfo("Asia/Shanghai")
    job = JobSpec("vip", "digest", noop, cron="0 7 * * *")
    assert job.next_run(None, NOW) == datetime(2026, 1, 10, 23, 0, tzinfo=UTC)
    monkeypatch.setenv("TZ", "UTC")
    assert job.next_run(None, NOW) == datetime(2026, 1, 10, 7, 0, tzinfo=UTC)


def test_an_unknown_tz_variable_falls_back(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Special")
    assert local_timezone() is not None
    assert "TZ='Nowhere/Special' is not a known time zone" in caplog.text


# -- registry ----------------------------------------------------------------------------------
def jobs_plugin(slug: str = "vip", *names: str) -> Plugin:
    plugin = Plugin(slug, slug.title())
    for name in names or ("digest",):
        plugin.job(name, every=timedelta(hours=1))(noop)
    return plugin


def test_enabled_plugins_jobs_are_registered_by_name(make_app: MakeApp) -> None:
    app = make_app(jobs_plugin("vip", "digest", "cleanup"), jobs_plugin("shop", "digest"))
    assert sorted(app.jobs) == ["shop.digest", "vip.cleanup", "vip.digest"]
    assert app.jobs["vip.digest"].plugin == "vip"


def test_a_job_declared_for_another_plugin_fails_to_load(make_app: MakeApp) -> None:
    plugin = Plugin("vip", "VIP")

    @plugin.hook
    @hookimpl
    def register_jobs() -> list[JobSpec]:
        return [JobSpec("shop", "digest", noop, every=timedelta(hours=1))]

    with pytest.raises(PluginError, match=r"vip: job 'shop.digest' is not namespaced vip\.\*"):
        make_app(plugin)


def test_a_job_name_declared_twice_fails_to_load(make_app: MakeApp) -> None:
    with pytest.raises(PluginError, match=r"job 'vip\.digest' is already registered"):
        make_app(jobs_plugin("vip", "digest", "digest"))


def test_a_register_jobs_hook_returning_something_else_fails_to_load(make_app: MakeApp) -> None:
    plugin = Plugin("vip", "VIP")

    @plugin.hook
    def register_jobs() -> list[Any]:
        return ["vip.digest"]

    with pytest.raises(PluginError, match=r"register_jobs returned 'vip\.digest', not a JobSpec"):
        make_app(plugin)


def test_a_failed_plugin_leaves_no_jobs_behind(new_app: Callable[..., App]) -> None:
    good, bad = jobs_plugin("vip"), jobs_plugin("shop", "a", "a")
    app = new_app(plugins=[good, bad])
    assert app.statuses["shop"].state == "failed"
    assert list(app.jobs) == ["vip.digest"]


# -- runs --------------------------------------------------------------------------------------
def runs(app: App) -> list[JobRun]:
    with Session(app.engine) as session:
        return list(session.exec(select(JobRun).order_by(JobRun.id)))  # type: ignore[arg-type]


def customer_names(app: App) -> list[str]:
    with Session(app.engine) as session:
        return list(session.exec(select(Customer.name).order_by(Customer.name)))


def test_a_run_acts_as_the_system_in_one_transaction_and_is_recorded(make_app: MakeApp) -> None:
    plugin = Plugin("vip", "VIP")
    seen: list[Context] = []

    @plugin.job("welcome", every=timedelta(days=1))
    def welcome(ctx: Context) -> str:
        seen.append(ctx)
        ctx.customers.create({"name": "Ada"})
        ctx.customers.create({"name": "Grace"})
        return "welcomed\n2 guests"

    app = make_app(plugin)
    before = datetime.now(UTC)
    run = run_job(app, "vip.welcome")
    (ctx,) = seen
    assert (ctx.actor.id, ctx.actor.username, ctx.actor.is_admin) == (None, "system", True)
    assert customer_names(app) == ["Ada", "Grace"]
    (stored,) = runs(app)
    assert stored.id == run.id
    assert (stored.job, stored.outcome, stored.message) == (
        "vip.welcome",
        "ok",
        "welcomed 2 guests",
    )
    assert before <= stored.started_at <= stored.finished_at <= datetime.now(UTC)
    assert stored.duration_ms >= 0


def test_a_failing_run_keeps_nothing_it_wrote_and_is_recorded_as_failed(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    plugin = Plugin("vip", "VIP")

    @plugin.job("broken", every=timedelta(days=1))
    def broken(ctx: Context) -> None:
        ctx.customers.create({"name": "Half-done"})
        raise ValueError("no mail server\nconfigured")

    app = make_app(plugin)
    with caplog.at_level(logging.ERROR, logger="guanxi_core.jobs"):
        run = run_job(app, "vip.broken")
    assert customer_names(app) == []
    assert (run.outcome, run.message) == ("failed", "ValueError: no mail server configured")
    assert [r.outcome for r in runs(app)] == ["failed"]
    (record,) = caplog.records
    assert record.getMessage() == "job vip.broken failed"
    assert record.exc_info is not None  # the traceback goes to the log


def test_a_long_message_is_cut(make_app: MakeApp) -> None:
    plugin = Plugin("vip", "VIP")
    plugin.job("chatty", every=timedelta(days=1))(lambda ctx: "x" * 5000)
    app = make_app(plugin)
    assert len(run_job(app, "vip.chatty").message) == 2000


def test_running_an_unknown_job_is_not_found(app: App) -> None:
    with pytest.raises(NotFoundError, match=r"job nope\.digest not found"):
        run_job(app, "nope.digest")
    assert runs(app) == []


def test_last_runs_gives_each_jobs_latest_run_in_one_query(make_app: MakeApp) -> None:
    plugin = Plugin("vip", "VIP")
    outcomes = iter(["first", "second"])
    plugin.job("a", every=timedelta(hours=1))(lambda ctx: next(outcomes))
    plugin.job("b", every=timedelta(hours=1))(noop)
    plugin.job("never", every=timedelta(hours=1))(noop)
    app = make_app(plugin)
    run_job(app, "vip.a")
    run_job(app, "vip.b")
    run_job(app, "vip.a")
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(app.engine, "before_cursor_execute", listener)
    try:
        latest = last_runs(app)
    finally:
        event.remove(app.engine, "before_cursor_execute", listener)
    assert len(seen) == 1
    assert {name: run.message for name, run in latest.items()} == {"vip.a": "second", "vip.b": ""}
    assert last_runs(app, ["vip.b"]).keys() == {"vip.b"}
    assert last_runs(app, []) == {}


# -- schema ------------------------------------------------------------------------------------
def test_the_migration_creates_the_table_the_model_describes(app: App) -> None:
    wanted = MetaData()
    SQLModel.metadata.tables["job_run"].to_metadata(wanted)
    with app.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, type_, parent: type_ != "table" or name == "job_run"
            },
        )
        assert compare_metadata(context, wanted) == []


def test_the_database_refuses_an_unknown_outcome(app: App) -> None:
    with pytest.raises(IntegrityError), app.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO job_run (job, started_at, finished_at, duration_ms, outcome, message)"
                " VALUES ('vip.a', :t, :t, 0, 'maybe', '')"
            ),
            {"t": NOW.replace(tzinfo=None)},
        )
