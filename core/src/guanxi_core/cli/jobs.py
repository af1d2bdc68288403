"""`guanxi jobs`: list the jobs of enabled plugins; run one now."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import typer
from babel.dates import format_timedelta
from rich.cells import cell_len

from guanxi_core import jobs
from guanxi_core.app import App
from guanxi_core.cli._runtime import Runtime, current, echo, fail
from guanxi_core.cli.db import require_current
from guanxi_core.i18n import _
from guanxi_core.jobs import JobSpec, last_runs, local_timezone, run_job
from guanxi_core.models import JobRun, utcnow

cli = typer.Typer(
    name="jobs", help="List the jobs of enabled plugins; run one now.", invoke_without_command=True
)

_UNITS: tuple[tuple[Literal["day", "hour", "minute", "second"], int], ...] = (
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)
_OUTCOMES = {"ok": _("ok"), "failed": _("failed")}


def interval_text(every: timedelta, locale: str) -> str:
    """`every` exactly, in words of `locale`: `1 hour 30 minutes`, `1小时 30分钟`."""
    seconds = int(every.total_seconds())
    parts: list[str] = []
    for unit, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            # A threshold no count reaches makes Babel keep the unit it is given.
            parts.append(
                format_timedelta(
                    timedelta(seconds=count * size),
                    granularity=unit,
                    threshold=1e9,
                    locale=locale,
                )
            )
    return " ".join(parts)


def schedule_text(runtime: Runtime, job: JobSpec) -> str:
    """The job's schedule in the message language: `every 15 minutes`, `cron 0 7 * * *`."""
    if job.every is not None:
        return runtime.t(_("every {interval}"), interval=interval_text(job.every, runtime.locale))
    if job.timezone:
        return runtime.t(
            _("cron {expression} ({timezone})"), expression=job.cron, timezone=job.timezone
        )
    return runtime.t(_("cron {expression}"), expression=job.cron)


def _time(value: datetime) -> str:
    return value.astimezone(local_timezone()).strftime("%Y-%m-%d %H:%M %Z")


def _next_run(job: JobSpec, last: JobRun | None, now: datetime) -> datetime:
    return job.next_run(last.started_at if last else None, now)


def describe(runtime: Runtime, job: JobSpec, last: JobRun | None, now: datetime) -> dict[str, Any]:
    """A job as plain data (the objects of `guanxi jobs list --json`)."""
    return {
        "name": job.name,
        "plugin": job.plugin,
        "label": runtime.t(job.label),
        "description": runtime.t(job.description) if job.description else "",
        "every_seconds": int(job.every.total_seconds()) if job.every else None,
        "cron": job.cron,
        "timezone": job.timezone,
        "next_run": _next_run(job, last, now).isoformat(),
        "last_run": None
        if last is None
        else {
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat(),
            "duration_ms": last.duration_ms,
            "outcome": last.outcome,
            "message": last.message,
        },
    }


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_table(runtime: Runtime, app: App, now: datetime) -> None:
    """Aligned columns, one job a line (never folded: a line may be wider than the terminal)."""
    latest = last_runs(app)
    t = runtime.t
    headers = (_("job"), _("schedule"), _("next run"), _("last run"), _("outcome"))
    lines = [[t(header) for header in headers]]
    for name in sorted(app.jobs):
        job, last = app.jobs[name], latest.get(name)
        due = _next_run(job, last, now)
        outcome = ""
        if last is not None:
            outcome = t(_OUTCOMES[last.outcome])
            if last.message:
                outcome += f": {_cut(last.message)}"
        lines.append(
            [
                name,
                schedule_text(runtime, job),
                t(_("now")) if due <= now else _time(due),
                _time(last.started_at) if last else t(_("never")),
                outcome,
            ]
        )
    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(headers))]
    for line in lines:
        cells = [
            cell + " " * (width - cell_len(cell)) for cell, width in zip(line, widths, strict=True)
        ]
        echo("  ".join(cells).rstrip())


@cli.callback()
def jobs_group(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the jobs when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        list_jobs(as_json)


@cli.command("list")
def list_jobs(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Every job of the enabled plugins: name, schedule, next run and last run's outcome."""
    runtime = current()
    app = runtime.app()
    require_current(app)
    now = utcnow()
    if as_json:
        latest = last_runs(app)
        rows = [describe(runtime, app.jobs[n], latest.get(n), now) for n in sorted(app.jobs)]
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not app.jobs:
        echo(runtime.t(_("no enabled plugin declares a job")))
    else:
        _print_table(runtime, app, now)


@contextmanager
def _quiet_job_log() -> Iterator[None]:
    """Silence the job module's failure log: the command reports a failure in one line."""
    logger = jobs.logger
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def _unknown(runtime: Runtime, app: App, name: str) -> str:
    status = app.statuses.get(name.split(".", 1)[0])
    if status is not None and status.state != "enabled":
        return runtime.t(
            _("unknown job {name}: plugin {slug} is {state}"),
            name=name,
            slug=status.name,
            state=status.state,
        )
    return runtime.t(_("unknown job {name} — `guanxi jobs list` shows the jobs"), name=name)


@cli.command()
def run(
    name: Annotated[str, typer.Argument(help="The job's name, as `guanxi jobs list` shows it.")],
) -> None:
    """Run a job now, in one transaction, and record the run; exit 1 if it fails."""
    runtime = current()
    app = runtime.app()
    require_current(app)
    if name not in app.jobs:
        fail(_unknown(runtime, app, name))
    with _quiet_job_log():
        record = run_job(app, name)
    if record.outcome != "ok":
        fail(
            runtime.t(
                _("{name} failed after {ms} ms: {message}"),
                name=name,
                ms=record.duration_ms,
                message=record.message,
            )
        )
    message = (
        _("{name}: ok in {ms} ms: {message}") if record.message else _("{name}: ok in {ms} ms")
    )
    echo(runtime.t(message, name=name, ms=record.duration_ms, message=record.message))
