"""Time the customer services against hand-written SQL doing the same work (the ceiling).

    uv run python bench/run.py --url postgresql://postgres@127.0.0.1:5432/guanxi_bench

Run after `bench/generate.py`. Each scenario runs `--warmup` untimed rounds, then `--repeat`
rounds in which the service call and its hand-written SQL take turns on the same input; the
table shows the median and p95 of both, their ratio and whether the targets are met.

The service side is exactly what a web request does: `app.context(actor).customers.<call>`
(a pooled SQLAlchemy session, one transaction, records with core and extension values). The
ceiling is one raw psycopg (or sqlite3) connection running the query a person would write for
the same result: same filter, sort, limit (+1 to know whether a next page exists), keyset
position and columns, rows fetched as dicts with JSON and timestamps decoded. The first round
of each scenario checks that both sides return the same ids in the same order.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Json
from sqlalchemy.engine import make_url

import guanxi_core
from bench.plugin import plugin as bench_plugin
from guanxi_core import Actor, App, Filter, Settings, create_app, system_actor
from guanxi_core.db import is_sqlite
from guanxi_core.errors import NotFoundError

RESULTS = Path(__file__).resolve().parent / "results"

CUSTOMER_COLUMNS = (
    "c.id, c.kind, c.name, c.phones, c.emails, c.address, c.owner_id, c.team_id, c.source, "
    "c.lifecycle_stage, c.created_at, c.updated_at, c.version, "
    'p.tier AS "bench.tier", p.score AS "bench.score"'
)
ACTIVITY_COLUMNS = (
    "a.id, a.kind, a.customer_id, a.actor_id, a.owner_id, a.subject, a.body, a.occurred_at, "
    "a.due_at, a.amount, a.currency, a.state, a.created_at, a.updated_at, a.version"
)
PAGE = 50


# -- the ceiling: hand-written SQL on one raw connection ----------------------------------------
class Raw:
    """A raw DB-API connection with `%s` placeholders on both databases, rows as dicts."""

    def __init__(self, url: str) -> None:
        self.sqlite = is_sqlite(url)
        if self.sqlite:
            database = make_url(url).database or ""
            self.lite = sqlite3.connect(database, isolation_level=None)
            self.lite.execute("PRAGMA foreign_keys=ON")
            self.lite.execute("PRAGMA busy_timeout=5000")
        else:
            conninfo = make_url(url).set(drivername="postgresql").render_as_string(
                hide_password=False
            )
            self.pg = psycopg.connect(conninfo, autocommit=True, row_factory=dict_row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of one statement, as dicts (JSON and timestamps decoded)."""
        if not self.sqlite:
            return self.pg.execute(sql, params).fetchall()
        cursor = self.lite.execute(sql.replace("%s", "?"), params)
        names = [d[0] for d in cursor.description]
        return [_decode_sqlite(dict(zip(names, row, strict=True))) for row in cursor]

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement that returns no rows."""
        if self.sqlite:
            self.lite.execute(sql.replace("%s", "?"), params)
        else:
            self.pg.execute(sql, params)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row."""
        rows = self.all(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def begin(self) -> None:
        """Start a transaction."""
        if self.sqlite:
            self.lite.execute("BEGIN")
        else:
            self.pg.execute("BEGIN")

    def commit(self) -> None:
        """Commit the transaction."""
        if self.sqlite:
            self.lite.execute("COMMIT")
        else:
            self.pg.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        (self.lite if self.sqlite else self.pg).close()


_SQLITE_JSON = {"phones", "emails", "changes"}
_SQLITE_TIMES = {"created_at", "updated_at", "occurred_at", "due_at", "at"}


def _decode_sqlite(row: dict[str, Any]) -> dict[str, Any]:
    for key in _SQLITE_JSON & row.keys():
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    for key in _SQLITE_TIMES & row.keys():
        if isinstance(row[key], str):
            row[key] = datetime.fromisoformat(row[key]).replace(tzinfo=UTC)
    return row


def raw_list(
    raw: Raw, tier: str, after: tuple[int | None, int] | None, owner: int | None
) -> list[dict[str, Any]]:
    """A list page filtered on the tier, sorted by score, from a keyset position.

    Rows without a score come last, by id (as the service orders them): they are read only
    when the scored rows run out.
    """
    select = (
        f"SELECT {CUSTOMER_COLUMNS} FROM bench_profile p JOIN customer c ON c.id = p.customer_id "
        "WHERE p.tier = %s"
    )
    params: list[Any] = [tier]
    if owner is not None:
        select += " AND c.owner_id = %s"
        params.append(owner)
    rows: list[dict[str, Any]] = []
    in_nulls = after is not None and after[0] is None
    if not in_nulls:
        where, extra = " AND p.score IS NOT NULL", []
        if after is not None:
            where += " AND (p.score, p.customer_id) > (%s, %s)"
            extra = list(after)
        rows = raw.all(
            f"{select}{where} ORDER BY p.score, p.customer_id LIMIT {PAGE + 1}", [*params, *extra]
        )
    if len(rows) <= PAGE:
        where, extra = " AND p.score IS NULL", []
        if in_nulls and after is not None:
            where += " AND p.customer_id > %s"
            extra = [after[1]]
        rows += raw.all(
            f"{select}{where} ORDER BY p.customer_id LIMIT {PAGE + 1 - len(rows)}",
            [*params, *extra],
        )
    return rows


def raw_360(raw: Raw, customer_id: int) -> dict[str, Any]:
    """The customer with its extension row, tags, affiliations and last 50 activities."""
    raw.begin()
    customer = raw.all(
        f"SELECT {CUSTOMER_COLUMNS} FROM customer c "
        "LEFT JOIN bench_profile p ON p.customer_id = c.id WHERE c.id = %s",
        (customer_id,),
    )
    tags = raw.all(
        "SELECT t.name FROM tag t JOIN customer_tag ct ON ct.tag_id = t.id "
        "WHERE ct.customer_id = %s ORDER BY t.name",
        (customer_id,),
    )
    organizations = raw.all(
        "SELECT c.id, c.name, a.title FROM affiliation a JOIN customer c "
        "ON c.id = a.organization_id WHERE a.person_id = %s ORDER BY c.name",
        (customer_id,),
    )
    members = raw.all(
        "SELECT c.id, c.name, a.title FROM affiliation a JOIN customer c "
        "ON c.id = a.person_id WHERE a.organization_id = %s ORDER BY c.name LIMIT 200",
        (customer_id,),
    )
    activities = raw.all(
        f"SELECT {ACTIVITY_COLUMNS} FROM activity a WHERE a.customer_id = %s "
        f"ORDER BY a.occurred_at DESC, a.id DESC LIMIT {PAGE + 1}",
        (customer_id,),
    )
    raw.commit()
    return {
        "customer": customer[0], "tags": tags, "organizations": organizations,
        "members": members, "activities": activities[:PAGE],
    }


def raw_search(raw: Raw, fragment: str) -> list[dict[str, Any]]:
    """Customers whose search text contains the fragment, by name (20 at most).

    The page of ids is chosen first and only those rows are read: with a name index that
    carries `search_text` (INCLUDE) the inner query is an index-only scan in name order.
    """
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return raw.all(
        f"SELECT {CUSTOMER_COLUMNS} FROM (SELECT id, name FROM customer "
        "WHERE search_text LIKE %s ESCAPE '\\' ORDER BY name, id LIMIT 20) m "
        "JOIN customer c ON c.id = m.id LEFT JOIN bench_profile p ON p.customer_id = c.id "
        "ORDER BY m.name, m.id",
        (f"%{escaped}%",),
    )


def raw_create(raw: Raw, values: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Insert a customer, its extension row and an audit entry; read it back."""
    now = datetime.now(UTC)
    phones, emails = values["phones"], values["emails"]
    digits = ["".join(ch for ch in p if ch.isdigit() or ch == "+") for p in phones]
    text = " | ".join([values["name"], *digits, *emails]).lower()[:2000]
    raw.begin()
    if actor.id is not None and not raw.scalar(
        'SELECT count(*) FROM "user" WHERE id = %s AND is_active', (actor.id,)
    ):
        raise RuntimeError("no such owner")
    as_json: Callable[[Any], Any] = json.dumps if raw.sqlite else Json
    customer_id = raw.scalar(
        "INSERT INTO customer (kind, name, phones, emails, owner_id, team_id, created_at, "
        "updated_at, version, search_text) VALUES ('person', %s, %s, %s, %s, %s, %s, %s, 1, %s) "
        "RETURNING id",
        (values["name"], as_json(phones), as_json(emails), actor.id, actor.team_id,
         _bind_time(raw, now), _bind_time(raw, now), text),
    )
    raw.run(
        "INSERT INTO bench_profile (customer_id, tier, score) VALUES (%s, %s, %s)",
        (customer_id, values["bench.tier"], values["bench.score"]),
    )
    changes = {k: [None, v] for k, v in values.items() if v not in (None, [])}
    changes["owner_id"] = [None, actor.id]
    raw.run(
        "INSERT INTO audit_entry (at, actor_id, entity, entity_id, action, changes) "
        "VALUES (%s, %s, 'customer', %s, 'create', %s)",
        (_bind_time(raw, now), actor.id, customer_id, as_json(changes)),
    )
    row = raw.all(
        f"SELECT {CUSTOMER_COLUMNS} FROM customer c "
        "LEFT JOIN bench_profile p ON p.customer_id = c.id WHERE c.id = %s",
        (customer_id,),
    )[0]
    raw.commit()
    return row


def _bind_time(raw: Raw, value: datetime) -> Any:
    # SQLAlchemy's SQLite DateTime stores naive UTC text with microseconds.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if raw.sqlite else value


# -- measuring -------------------------------------------------------------------------------
@dataclass
class Target:
    """What a scenario must meet: a ratio to the ceiling and/or a median in ms."""

    max_ratio: float | None = None
    max_median_ms: float | None = None
    informational: bool = False  # shown, but not part of the acceptance criterion

    def describe(self) -> str:
        """The target as text."""
        parts = ["(info)"] if self.informational else []
        if self.max_ratio is not None:
            parts.append(f"≤{self.max_ratio:g}× ceiling")
        if self.max_median_ms is not None:
            parts.append(f"<{self.max_median_ms:g} ms")
        return ", ".join(parts) or "-"


@dataclass
class Result:
    """Timings of one scenario, in milliseconds."""

    name: str
    target: str
    service_median: float
    service_p95: float
    ceiling_median: float
    ceiling_p95: float
    ratio: float
    passed: bool | None
    rounds: int
    note: str = ""
    informational: bool = False

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or - when there is no target; lower case when informational."""
        text = "-" if self.passed is None else "PASS" if self.passed else "FAIL"
        return text.lower() if self.informational else text


@dataclass
class Scenario:
    """A service call and its hand-written SQL, over a list of inputs taken in turn."""

    name: str
    service: Callable[[Any], Any]
    ceiling: Callable[[Any], Any]
    inputs: Sequence[Any]
    same: Callable[[Any, Any], bool]
    target: Target = field(default_factory=Target)
    note: str = ""


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(scenario: Scenario, warmup: int, repeat: int, budget: float) -> Result:
    """Warm up, check both sides agree, then time them in turns.

    Stops after `repeat` rounds, or after `budget` seconds once 10 rounds are done.
    """
    inputs = scenario.inputs
    first_service = scenario.service(inputs[0])
    first_ceiling = scenario.ceiling(inputs[0])
    if not scenario.same(first_service, first_ceiling):
        raise AssertionError(f"{scenario.name}: the service and the SQL return different rows")
    clock = time.perf_counter
    deadline = clock() + budget / 4
    for i in range(warmup):
        if i >= 2 and clock() > deadline:
            break
        scenario.service(inputs[i % len(inputs)])
        scenario.ceiling(inputs[i % len(inputs)])
    service: list[float] = []
    ceiling: list[float] = []
    deadline = clock() + budget
    for i in range(repeat):
        if i >= 10 and clock() > deadline:
            break
        value = inputs[i % len(inputs)]
        # alternate which side goes first so that neither always meets a warmer cache
        order = ((scenario.service, service), (scenario.ceiling, ceiling))
        for call, sink in order if i % 2 == 0 else reversed(order):
            start = clock()
            call(value)
            sink.append((clock() - start) * 1000)
    s_med, c_med = statistics.median(service), statistics.median(ceiling)
    ratio = s_med / c_med if c_med else float("inf")
    target = scenario.target
    checks = []
    if target.max_ratio is not None:
        checks.append(ratio <= target.max_ratio)
    if target.max_median_ms is not None:
        checks.append(s_med < target.max_median_ms)
    return Result(
        scenario.name, target.describe(), s_med, _quantile(service, 0.95), c_med,
        _quantile(ceiling, 0.95), ratio, all(checks) if checks else None, len(service),
        scenario.note, target.informational,
    )


def _ids_service(page: Any) -> list[int]:
    items = page.items if hasattr(page, "items") else page
    return [r.id for r in items]


def _same_page(page: Any, rows: list[dict[str, Any]]) -> bool:
    return _ids_service(page) == [r["id"] for r in rows[:PAGE]]


def _same_list(records: Any, rows: list[dict[str, Any]]) -> bool:
    return [r.id for r in records] == [r["id"] for r in rows]


def _same_360(view: Any, data: dict[str, Any]) -> bool:
    return bool(
        view.customer.id == data["customer"]["id"]
        and [a.id for a in view.activities] == [a["id"] for a in data["activities"]]
        and view.customer.values == data["customer"]
    )


# -- the scenarios --------------------------------------------------------------------------
def _actor(app: App, username: str, fallback: Actor | None = None) -> Actor:
    try:
        return app.actor_by_username(username)
    except NotFoundError:
        if fallback is None:
            raise
        return fallback


def _keyset_walk(
    app: App, actor: Actor, tier: str, pages: int
) -> list[tuple[str, tuple[int | None, int]]]:
    """(cursor, (score, id) of the previous page's last row) for the pages after the first."""
    ctx = app.context(actor)
    out: list[tuple[str, tuple[int | None, int]]] = []
    page = ctx.customers.list([Filter("bench.tier", "eq", tier)], sort="bench.score", limit=PAGE)
    while page.next_cursor and len(out) < pages:
        last = page.items[-1]
        out.append((page.next_cursor, (last["bench.score"], last.id)))
        page = ctx.customers.list(
            [Filter("bench.tier", "eq", tier)], sort="bench.score", limit=PAGE,
            cursor=page.next_cursor,
        )
    return out


def scenarios(app: App, raw: Raw, args: argparse.Namespace) -> list[Scenario]:
    """Everything the acceptance criterion times, plus the rep's view and a heavy 360."""
    admin = _actor(app, "admin", system_actor())
    rep = _actor(app, "rep0001")
    tier = "A"
    flt = [Filter("bench.tier", "eq", tier)]
    rng = random.Random(7)

    def service_list(actor: Actor) -> Callable[[Any], Any]:
        def call(cursor: str | None) -> Any:
            return app.context(actor).customers.list(
                flt, sort="bench.score", limit=PAGE, cursor=cursor
            )
        return call

    pages = _keyset_walk(app, admin, tier, args.repeat)
    rep_pages = _keyset_walk(app, rep, tier, max(2, args.repeat // 20))
    max_id = int(raw.scalar("SELECT max(id) FROM customer"))
    random_ids = [rng.randrange(1, max_id + 1) for _ in range(args.repeat)]
    # Busy customers: the most frequent in a sample of activities, kept if they have 50+.
    candidates = [int(r["customer_id"]) for r in raw.all(
        "SELECT customer_id FROM activity WHERE id <= 300000 GROUP BY customer_id "
        "ORDER BY count(*) DESC, customer_id LIMIT 100"
    )]
    heavy_ids = [
        c for c in candidates
        if raw.scalar("SELECT count(*) FROM activity WHERE customer_id = %s", (c,)) >= PAGE
    ] or random_ids

    # Each call builds its context, as a web request does.
    def view360(customer_id: int) -> Any:
        return app.context(admin).customers.view360(customer_id)

    def search(fragment: str) -> Any:
        return app.context(admin).customers.search(fragment)

    def create(values: dict[str, Any]) -> Any:
        return app.context(admin).customers.create(values)

    out = [
        Scenario(
            "list page (admin)", service_list(admin),
            lambda _c: raw_list(raw, tier, None, None), [None], _same_page,
            Target(2.0, 50.0), "tier = A, sort score, 50 rows",
        ),
        Scenario(
            "next page (admin)", lambda p: service_list(admin)(p[0]),
            lambda p: raw_list(raw, tier, p[1], None), pages,
            _same_page, Target(2.0, 50.0),
            f"pages 2..{len(pages) + 1} by cursor",
        ),
        Scenario(
            "list page (rep)", service_list(rep),
            lambda _c: raw_list(raw, tier, None, rep.id), [None], _same_page,
            Target(2.0, 50.0, informational=True), "+ record rule owner_id = rep",
        ),
        Scenario(
            "next page (rep)", lambda p: service_list(rep)(p[0]),
            lambda p: raw_list(raw, tier, p[1], rep.id), rep_pages or [(None, None)],
            _same_page, Target(2.0, 50.0, informational=True), "+ record rule owner_id = rep",
        ),
        Scenario(
            "360 data", view360, lambda i: raw_360(raw, i), random_ids, _same_360,
            Target(None, 20.0), "random customers",
        ),
        Scenario(
            "360 data (busy customer)", view360, lambda i: raw_360(raw, i), heavy_ids,
            _same_360, Target(None, 20.0), "customers with the most activities",
        ),
    ]
    for fragment in args.search:
        matches = raw.scalar(
            "SELECT count(*) FROM customer WHERE search_text LIKE %s", (f"%{fragment}%",)
        )
        out.append(Scenario(
            f"search '{fragment}'",
            search,
            lambda f: raw_search(raw, f), [fragment], _same_list, Target(None, 100.0),
            f"{matches:,} customers match",
        ))
    creates = [
        {"name": f"Bench Create {i:05d}", "phones": [f"+86 139 {i % 10_000:04d} 0000"],
         "emails": [f"create{i}@bench.example"], "bench.tier": "B", "bench.score": i % 1000}
        for i in range(args.repeat + args.warmup + 1)
    ]
    counter = iter(range(10**9))
    out.append(Scenario(
        "create customer", create,
        lambda v: raw_create(raw, {**v, "name": f"{v['name']} sql{next(counter)}"}, admin),
        creates, lambda s, c: c["name"].startswith(s["name"]), Target(),
        "customer + bench_profile + audit entry, read back",
    ))
    return out


# -- report ---------------------------------------------------------------------------------
def facts(app: App, raw: Raw) -> dict[str, Any]:
    """Machine, database and data-size facts recorded with the results."""
    def count(table: str) -> int:
        return int(raw.scalar(f"SELECT count(*) FROM {table}"))

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), "")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    server = (
        f"SQLite {sqlite3.sqlite_version}" if raw.sqlite
        else str(raw.scalar("SELECT version()")).split(" on ")[0]
    )
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "guanxi_core": str(Path(guanxi_core.__file__).parent),
        "commit": commit,
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "server": server,
        "customers": count("customer"),
        "activities": count("activity"),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def print_table(results: Sequence[Result]) -> None:
    """The results as a fixed-width table."""
    header = (f"{'scenario':<26} {'service med':>11} {'p95':>8} {'SQL med':>9} {'p95':>8} "
              f"{'ratio':>6}  {'target':<29} result  rounds  note")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.name:<26} {r.service_median:>8.2f} ms {r.service_p95:>8.2f} "
              f"{r.ceiling_median:>6.2f} ms {r.ceiling_p95:>8.2f} {r.ratio:>5.2f}×  "
              f"{r.target:<29} {r.verdict:<6} {r.rounds:>6}  {r.note}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario; print the table; write JSON; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--repeat", type=int, default=200, help="timed rounds per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds per scenario")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds per scenario after which timing stops (at least 10 rounds)")
    parser.add_argument("--search", nargs="+", default=["son", "zhang", "zhuge", "featherst"],
                        help="name fragments to search for (3+ Latin letters)")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the results (default: bench/results/<time>.json)")
    parser.add_argument("--only", nargs="*", default=None, help="run only these scenarios")
    args = parser.parse_args(argv)

    app = create_app(Settings(database_url=args.url), plugins=[bench_plugin])
    raw = Raw(args.url)
    info = facts(app, raw)
    print(f"{info['customers']:,} customers, {info['activities']:,} activities on "
          f"{info['server']}; {info['cpus']} CPUs ({info['cpu']}); Python {info['python']}")
    print(f"guanxi_core from {info['guanxi_core']}")
    print(f"repeat {args.repeat}, warm-up {args.warmup}; times in ms\n")
    results: list[Result] = []
    for scenario in scenarios(app, raw, args):
        if args.only and not any(name in scenario.name for name in args.only):
            continue
        results.append(measure(scenario, args.warmup, args.repeat, args.budget))
        print(f"  done: {scenario.name}", flush=True)
    print()
    print_table(results)
    path = args.json or RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(
        {"facts": info, "args": {k: str(v) for k, v in vars(args).items()},
         "results": [asdict(r) for r in results]},
        indent=2, ensure_ascii=False,
    ))
    print(f"\nwritten to {path}")
    raw.close()
    app.engine.dispose()
    return 0 if all(r.passed is not False or r.informational for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
