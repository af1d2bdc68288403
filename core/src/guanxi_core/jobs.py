"""Jobs: work a plugin declares to run on a schedule, or now by hand with `guanxi jobs run`.

A plugin declares a job with `@plugin.job("digest", cron="0 7 * * *", label=_("Morning digest"))`
(or returns `JobSpec` objects from the `register_jobs` hook). The core validates the schedule
when the job is declared and collects every enabled plugin's jobs into `app.jobs`, keyed by
`<slug>.<name>`. `run_job` runs one now: the handler gets services acting as the system actor,
inside one transaction, and the run is recorded in the `job_run` table whether it worked or not.

Schedules are either an interval (`every=timedelta(minutes=15)`) or a five-field cron expression
(`cron="m h dom mon dow"`, parsed by `cronsim`, read in the job's time zone, by default the
server's). Running jobs on their schedule is the scheduler's work; this module says when each is
due (`JobSpec.next_run`).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from sqlmodel import Session, col, select

from guanxi_core.access import system_actor
from guanxi_core.errors import NotFoundError
from guanxi_core.i18n import LazyText
from guanxi_core.models import JobRun, utcnow

if TYPE_CHECKING:
    from guanxi_core.app import App
    from guanxi_core.services.context import Context

logger = logging.getLogger(__name__)

JobHandler = Callable[["Context"], "str | None"]
"""A job's function: called with a `Context` acting as the system actor; may return a message."""

MIN_INTERVAL = timedelta(minutes=1)
"""The shortest `every` a job may declare (cron's own granularity)."""

MESSAGE_LIMIT = 2000
"""How much of a run's message is recorded."""

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_SLUG = re.compile(r"[a-z_][a-z0-9_]*\Z")


def local_timezone() -> tzinfo:
    """The server's time zone: `TZ` if it names one, else `/etc/localtime`, else UTC.

    A zone read this way keeps its daylight-saving rules, so a job at `0 7 * * *` runs at
    7:00 local time all year.
    """
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("TZ=%r is not a known time zone; using the system's", name)
    localtime = Path("/etc/localtime")
    try:
        with localtime.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        return UTC


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class JobSpec:
    """A job a plugin declares: a name, a handler and a schedule.

    Constructed as `JobSpec("vip", "digest", send_digest, cron="0 7 * * *")`; the name is
    namespaced by the plugin's slug (`vip.digest`). Exactly one of `every` and `cron` is given.
    A bad name, interval, cron expression or time zone raises `ValueError` here, when the
    plugin is imported, not when the job first runs.

    Attributes:
        plugin: the declaring plugin's slug.
        name: `<slug>.<name>`, e.g. `vip.digest`; what `guanxi jobs run` takes.
        handler: `handler(ctx)`; `ctx` is a `Context` acting as the system actor (an
            administrator). It runs in one transaction: if it raises, nothing it wrote is
            kept. What it returns (a short text, or None) is recorded with the run.
        every: run at this interval (at least one minute), counted from the last run's start.
        cron: run on this five-field cron schedule (`minute hour day-of-month month
            day-of-week`), e.g. `0 7 * * 1-5` for 7:00 on weekdays.
        timezone: the IANA time zone the cron schedule is read in (`Asia/Shanghai`); by
            default the server's. Only for `cron`.
        label: the job's display name.
        description: one line on what it does.
    """

    plugin: str
    name: str
    handler: JobHandler
    every: timedelta | None
    cron: str | None
    timezone: str | None
    label: LazyText | str
    description: LazyText | str

    def __init__(
        self,
        plugin: str,
        name: str,
        handler: JobHandler,
        *,
        every: timedelta | None = None,
        cron: str | None = None,
        timezone: str | None = None,
        label: LazyText | str | None = None,
        description: LazyText | str = "",
    ) -> None:
        if not _SLUG.match(plugin):
            raise ValueError(f"job {name!r}: {plugin!r} is not a plugin slug")
        short = name.removeprefix(f"{plugin}.")
        full = f"{plugin}.{short}"
        if not _NAME.match(short):
            raise ValueError(
                f"job {name!r}: a job name is lower-case letters, digits and underscores"
            )
        if not callable(handler):
            raise ValueError(f"job {full!r}: the handler is not callable")
        if (every is None) == (cron is None):
            raise ValueError(f"job {full!r}: give exactly one of every= and cron=")
        if every is not None:
            if not isinstance(every, timedelta) or every < MIN_INTERVAL:
                raise ValueError(f"job {full!r}: every= must be a timedelta of at least 1 minute")
            if timezone is not None:
                raise ValueError(f"job {full!r}: timezone= applies to cron= schedules only")
        if cron is not None:
            cron = " ".join(cron.split())
            _check_cron(full, cron)
        if timezone is not None:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"job {full!r}: unknown time zone {timezone!r}") from exc
        object.__setattr__(self, "plugin", plugin)
        object.__setattr__(self, "name", full)
        object.__setattr__(self, "handler", handler)
        object.__setattr__(self, "every", every)
        object.__setattr__(self, "cron", cron)
        object.__setattr__(self, "timezone", timezone)
        object.__setattr__(self, "label", label if label is not None else short)
        object.__setattr__(self, "description", description)

    @property
    def zone(self) -> tzinfo:
        """The time zone of the cron schedule: `timezone`, or the server's."""
        return ZoneInfo(self.timezone) if self.timezone else local_timezone()

    def next_run(self, last_started: datetime | None, now: datetime) -> datetime:
        """When the job is next due (UTC).

        An interval job is due `every` after its last run started, and at once if it never
        ran. A cron job is due at the first time of its schedule after its last run started
        (after `now` if it never ran). A time in the past means the job is overdue.

        Args:
            last_started: when its latest run started, or None if it never ran.
            now: the current time (aware).

        Returns:
            The time it is due, aware, in UTC.
        """
        if self.every is not None:
            return (last_started + self.every).astimezone(UTC) if last_started else now
        assert self.cron is not None
        base = (last_started or now).astimezone(self.zone)
        return next(CronSim(self.cron, base)).astimezone(UTC)

    def is_due(self, last_started: datetime | None, now: datetime) -> bool:
        """Whether the job should run at `now` (see `next_run`)."""
        return self.next_run(last_started, now) <= now


def _check_cron(name: str, expression: str) -> None:
    fields = expression.split(" ")
    if len(fields) != 5:
        raise ValueError(
            f"job {name!r}: cron {expression!r} must have 5 fields "
            "(minute hour day-of-month month day-of-week)"
        )
    try:
        next(CronSim(expression, datetime.now(UTC)))
    except (CronSimError, StopIteration) as exc:
        raise ValueError(f"job {name!r}: invalid cron {expression!r}: {exc}") from exc


def job_problems(slug: str, jobs: Iterable[JobSpec], registered: Iterable[str]) -> list[str]:
    """What is wrong with a plugin's jobs: wrong namespace, or a name already taken.

    Args:
        slug: the declaring plugin's slug.
        jobs: the jobs it declares.
        registered: the names of the jobs already registered by other plugins.

    Returns:
        One message per problem; empty when the jobs can be registered.
    """
    problems: list[str] = []
    seen = set(registered)
    for job in jobs:
        if not isinstance(job, JobSpec):
            problems.append(f"register_jobs returned {job!r}, not a JobSpec")
            continue
        if job.plugin != slug or not job.name.startswith(f"{slug}."):
            problems.append(f"job {job.name!r} is not namespaced {slug}.*")
        elif job.name in seen:
            problems.append(f"job {job.name!r} is already registered")
        seen.add(job.name)
    return problems


def run_job(app: App, name: str) -> JobRun:
    """Run the job `name` now, in one transaction, and record the run.

    The handler runs with services acting as the system actor. If it raises, its writes are
    rolled back, the error is logged with its traceback, and the run is recorded as `failed`
    with the error as its message; nothing is raised. The record is written in a transaction
    of its own, after the job's.

    Args:
        app: the application whose registered jobs to look in.
        name: the job's name, `<slug>.<name>`.

    Returns:
        The recorded run.

    Raises:
        NotFoundError: no enabled plugin declares a job of that name.
    """
    spec = app.jobs.get(name)
    if spec is None:
        raise NotFoundError("job", name)
    ctx = app.context(system_actor(app.settings.default_locale))
    started = utcnow()
    clock = time.perf_counter()
    try:
        with ctx.transaction():
            result = spec.handler(ctx)
        outcome, message = "ok", "" if result is None else str(result)
    except Exception as exc:  # a job's failure is recorded, not raised
        logger.exception("job %s failed", name)
        outcome, message = "failed", f"{type(exc).__name__}: {exc}"
    run = JobRun(
        job=name,
        started_at=started,
        finished_at=utcnow(),
        duration_ms=round((time.perf_counter() - clock) * 1000),
        outcome=outcome,
        message=_one_line(message)[:MESSAGE_LIMIT],
    )
    with Session(app.engine, expire_on_commit=False) as session:
        session.add(run)
        session.commit()
    return run


def last_runs(app: App, names: Iterable[str] | None = None) -> dict[str, JobRun]:
    """The latest run of each job that ran, by job name, in one query.

    Args:
        app: the application.
        names: the jobs to look at; by default every registered job.

    Returns:
        Job name → its latest run; jobs that never ran are absent.
    """
    wanted = sorted(app.jobs if names is None else set(names))
    if not wanted:
        return {}
    # One index lookup per job (`ix_job_run_job`), however long the history grows.
    latest = [
        select(JobRun.id)
        .where(col(JobRun.job) == name)
        .order_by(col(JobRun.id).desc())
        .limit(1)
        .scalar_subquery()
        for name in wanted
    ]
    with Session(app.engine) as session:
        runs = session.scalars(select(JobRun).where(col(JobRun.id).in_(latest))).all()
    return {run.job: run for run in runs}
