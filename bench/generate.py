"""Load a Guanxi database with synthetic customers and activities, fast.

    uv run python bench/generate.py --url postgresql://postgres@127.0.0.1:5432/guanxi_bench \
        --customers 1000000 --activities 10000000 --fresh

Creates the schema (core migration + the bench plugin's `bench_profile` table), users and
teams, customers with their `bench_profile` rows and activities. On PostgreSQL rows go in with
COPY (`COPY ... FREEZE` into tables truncated in the same transaction) while non-primary-key
indexes and foreign keys are dropped; they are rebuilt afterwards, then the database is
ANALYZEd. On SQLite rows go in with `executemany` in large transactions. Customers' `search_text`
is computed by the core's own `search_text()`.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/generate.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench._data import (
    ACTIVITY_COLUMNS,
    CUSTOMER_COLUMNS,
    NULL,
    PROFILE_COLUMNS,
    ActivityMaker,
    CustomerMaker,
    Row,
    Staff,
    check_search_text,
    chunks,
)
from bench.plugin import plugin as bench_plugin
from guanxi_core import App, Settings, create_app
from guanxi_core.db import is_sqlite
from guanxi_core.migrate import upgrade
from guanxi_core.models import Team, User, UserRole

LOADED_TABLES = ("customer", "bench_profile", "activity")
CHUNK = 20_000


@dataclass
class Timings:
    """Seconds spent per phase, in the order they ran."""

    phases: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, action: Callable[[], Any]) -> Any:
        """Run `action`, record and print how long it took."""
        print(f"  {name} ...", flush=True)
        start = time.perf_counter()
        result = action()
        self.phases[name] = time.perf_counter() - start
        print(f"  {name}: {self.phases[name]:.1f} s", flush=True)
        return result


def pg_conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SystemExit("the generator needs a SQLite file, not an in-memory database")
    return Path(database)


# -- schema and staff -------------------------------------------------------------------------
def build_schema(url: str, *, fresh: bool) -> App:
    """An app over `url` with the core migrated and the bench table created."""
    if fresh and is_sqlite(url):
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = create_app(Settings(database_url=url), plugins=[bench_plugin])
    if fresh and not is_sqlite(url):
        with app.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(app, [app.plugin("core")])
    bench_plugin.metadata.create_all(app.engine)
    with app.engine.connect() as connection:
        if connection.execute(text("SELECT count(*) FROM customer")).scalar():
            raise SystemExit("the database already holds customers; pass --fresh to rebuild it")
    return app


def create_staff(app: App, teams: int, reps: int) -> Staff:
    """Teams, one administrator, one manager per team and `reps` reps spread over the teams.

    Users are `admin`, `manager01`.. and `rep0001`..; ids are assigned here (1 = admin).
    """
    now = datetime.now(UTC)
    team_rows = [{"id": t, "name": f"Team {t:02d}"} for t in range(1, teams + 1)]
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    team_of: dict[int, int] = {}

    def add(username: str, display: str, role: str, team: int | None) -> int:
        uid = len(users) + 1
        users.append({
            "id": uid, "username": username, "display_name": display,
            "email": f"{username}@guanxi.example", "password_hash": "", "locale": "en",
            "team_id": team, "is_active": True, "created_at": now,
        })
        roles.append({"user_id": uid, "role": role})
        if team is not None:
            team_of[uid] = team
        return uid

    admin = add("admin", "Administrator", "admin", None)
    managers = tuple(add(f"manager{t:02d}", f"Manager {t:02d}", "manager", t)
                     for t in range(1, teams + 1))
    rep_ids = tuple(add(f"rep{r:04d}", f"Rep {r:04d}", "rep", (r - 1) % teams + 1)
                    for r in range(1, reps + 1))
    with app.engine.begin() as connection:
        connection.execute(insert(Team.__table__), team_rows)  # type: ignore[attr-defined]
        connection.execute(insert(User.__table__), users)  # type: ignore[attr-defined]
        connection.execute(insert(UserRole.__table__), roles)  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            for table in ("team", "user"):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{table}\"))"
                ))
    return Staff(admin, managers, rep_ids, team_of)


# -- PostgreSQL -------------------------------------------------------------------------------
@dataclass
class PgSchemaDrop:
    """Indexes and foreign keys dropped for the load, with the statements that restore them."""

    indexes: dict[str, list[str]] = field(default_factory=dict)  # table -> CREATE INDEX ...
    foreign_keys: list[str] = field(default_factory=list)  # ALTER TABLE ... ADD CONSTRAINT ...


def pg_drop_for_load(conninfo: str, tables: Sequence[str]) -> PgSchemaDrop:
    """Drop the non-primary-key indexes of `tables` and every foreign key touching them."""
    dropped = PgSchemaDrop()
    with psycopg.connect(conninfo) as conn:
        for table in tables:
            rows = conn.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                (table,),
            ).fetchall()
            dropped.indexes[table] = [definition for _name, definition in rows]
            for name, _definition in rows:
                conn.execute(f"DROP INDEX {name}")
        regclasses = ", ".join(f"'{t}'::regclass" for t in tables)
        fks = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            f"FROM pg_constraint WHERE contype = 'f' AND (conrelid IN ({regclasses}) "
            f"OR confrelid IN ({regclasses}))"
        ).fetchall()
        for table, name, definition in fks:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            dropped.foreign_keys.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return dropped


def pg_run_parallel(conninfo: str, statements: Sequence[str], workers: int = 2) -> None:
    """Run independent DDL statements on `workers` connections at once."""

    def run(statement: str) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(statement)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, statements))


def pg_copy(
    conninfo: str,
    loads: Sequence[tuple[str, Sequence[str]]],
    produce: Iterable[Sequence[list[Row]]],
) -> None:
    """COPY FREEZE into the tables of `loads`, each truncated first in the same transaction.

    `produce` yields, per chunk, one list of rows per table of `loads` (same order). Each table
    has its own connection (and transaction) whose COPY runs concurrently; a queued writer
    hands the text to libpq from a thread, so Python makes the next chunk while the server
    parses the last. FREEZE writes the rows frozen and all-visible: no later VACUUM pass is
    needed for index-only scans.
    """
    conns = [psycopg.connect(conninfo) for _ in loads]
    try:
        copies = []
        for conn, (table, columns) in zip(conns, loads, strict=True):
            conn.execute("SET synchronous_commit = off")
            conn.execute(f"TRUNCATE {table} CASCADE")
            cursor = conn.cursor()
            copy_cm = cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FREEZE)",
                writer=QueuedLibpqWriter(cursor),
            )
            copies.append((copy_cm, copy_cm.__enter__()))
        try:
            for per_table in produce:
                for (_cm, copy), rows in zip(copies, per_table, strict=True):
                    copy.write("\n".join(rows) + "\n")
        except BaseException:
            for copy_cm, _copy in copies:
                copy_cm.__exit__(*sys.exc_info())
            raise
        for copy_cm, _copy in copies:
            copy_cm.__exit__(None, None, None)
        for conn in conns:
            conn.commit()
    finally:
        for conn in conns:
            conn.close()


# -- SQLite -----------------------------------------------------------------------------------
def sqlite_connect(url: str) -> sqlite3.Connection:
    """A raw connection tuned for a bulk load (no fsync, no foreign-key checks)."""
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-512000")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def sqlite_drop_indexes(url: str, tables: Sequence[str]) -> dict[str, list[str]]:
    """Drop the explicit indexes of `tables`; returns their CREATE statements per table."""
    conn = sqlite_connect(url)
    dropped: dict[str, list[str]] = {}
    for table in tables:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table,)
        ).fetchall()
        dropped[table] = [sql for _name, sql in rows]
        for name, _sql in rows:
            conn.execute(f'DROP INDEX "{name}"')
    conn.close()
    return dropped


def sqlite_insert(
    url: str,
    loads: Sequence[tuple[str, Sequence[str]]],
    produce: Iterable[Sequence[list[Row]]],
) -> None:
    """`executemany` the rows of `produce` into the tables of `loads`, 10 chunks a transaction."""
    conn = sqlite_connect(url)
    statements = [
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for table, columns in loads
    ]
    conn.execute("BEGIN")
    for n, per_table in enumerate(produce, start=1):
        for statement, rows in zip(statements, per_table, strict=True):
            conn.executemany(
                statement, ([None if v == NULL else v for v in row.split("\t")] for row in rows)
            )
        if n % 10 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    conn.close()


def sqlite_run(url: str, statements: Sequence[str]) -> None:
    """Run statements one after another on a bulk-load connection."""
    conn = sqlite_connect(url)
    for statement in statements:
        conn.execute(statement)
    conn.close()


# -- main -------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, load the data, print throughput."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=10_000_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--fresh", action="store_true",
                        help="drop and recreate the schema (PostgreSQL) or the file (SQLite)")
    args = parser.parse_args(argv)

    url: str = args.url
    sqlite = is_sqlite(url)
    rng = random.Random(args.seed)
    timings = Timings()
    started = time.perf_counter()
    print(f"Generating {args.customers:,} customers and {args.activities:,} activities "
          f"into {make_url(url).render_as_string(hide_password=True)}", flush=True)

    app = timings.run("schema", lambda: build_schema(url, fresh=args.fresh))
    staff = timings.run("users", lambda: create_staff(app, args.teams, args.reps))
    app.engine.dispose()

    conninfo = "" if sqlite else pg_conninfo(url)
    if sqlite:
        sqlite_indexes = sqlite_drop_indexes(url, LOADED_TABLES)
        pg_dropped = PgSchemaDrop(indexes=sqlite_indexes)
    else:
        pg_dropped = pg_drop_for_load(conninfo, LOADED_TABLES)
    load = sqlite_insert if sqlite else pg_copy

    def rebuild(tables: Sequence[str]) -> None:
        statements = [s for t in tables for s in pg_dropped.indexes.get(t, [])]
        statements.sort(key=lambda s: " gin " not in s.lower())  # the slowest build first
        if sqlite:
            sqlite_run(url, statements)
        else:
            pg_run_parallel(conninfo, statements)

    customers = CustomerMaker(rng, staff, sqlite=sqlite)

    def customer_chunks() -> Iterable[Sequence[list[Row]]]:
        for n, (first, count) in enumerate(chunks(args.customers, CHUNK)):
            lines, profiles = customers.chunk(first, count)
            if n % 10 == 0:  # the inline search_text must equal the core's search_text()
                check_search_text(lines[:200])
            yield lines, profiles

    timings.run("customers load", lambda: load(
        url if sqlite else conninfo,
        [("customer", CUSTOMER_COLUMNS), ("bench_profile", PROFILE_COLUMNS)],
        customer_chunks(),
    ))
    timings.run("customer indexes", lambda: rebuild(["customer", "bench_profile"]))

    activities = ActivityMaker(rng, args.customers, customers.owners, sqlite=sqlite)

    def activity_chunks() -> Iterable[Sequence[list[Row]]]:
        for first, count in chunks(args.activities, CHUNK):
            yield (activities.chunk(first, count),)

    if args.activities and args.customers:
        timings.run("activities load", lambda: load(
            url if sqlite else conninfo, [("activity", ACTIVITY_COLUMNS)], activity_chunks(),
        ))
        timings.run("activity indexes", lambda: rebuild(["activity"]))

    def finish() -> None:
        if sqlite:
            sqlite_run(url, ["ANALYZE"])
            return
        pg_run_parallel(conninfo, pg_dropped.foreign_keys, workers=1)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for table in ("customer", "activity"):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            conn.execute("ANALYZE")

    timings.run("foreign keys + analyze" if not sqlite else "analyze", finish)
    total = time.perf_counter() - started

    phases = timings.phases
    c_load = phases["customers load"]
    c_all = c_load + phases["customer indexes"]
    print()
    print(f"customers : {args.customers:>12,} in {c_load:7.1f} s = "
          f"{args.customers / c_load:>10,.0f} customers/s (load, with bench_profile rows)")
    print(f"            {'':>12} in {c_all:7.1f} s = {args.customers / c_all:>10,.0f} "
          "customers/s (load + customer/bench_profile indexes)")
    if "activities load" in phases:
        a_load = phases["activities load"]
        a_all = a_load + phases["activity indexes"]
        print(f"activities: {args.activities:>12,} in {a_load:7.1f} s = "
              f"{args.activities / a_load:>10,.0f} activities/s (load)")
        print(f"            {'':>12} in {a_all:7.1f} s = {args.activities / a_all:>10,.0f} "
              "activities/s (load + activity indexes)")
    print(f"total     : {total:.1f} s")


if __name__ == "__main__":
    main()
