"""Time the web pages against hand-written SQL plus a minimal template (the ceiling), then
the list page's throughput under uvicorn with 2 worker processes.

    uv run python bench/web.py --url postgresql://postgres@127.0.0.1:5432/guanxi_bench

Run after `bench/generate.py` (it adds the web plugin's tables if they are missing).

Server time: the web side is the real Litestar application (`create_web_app`, the bench and
web plugins), called in this process as an ASGI application with a signed-in session cookie
(a session row made by the web's own `SessionStore`, as signing in makes); the time runs from
calling the application to its last body message, so it includes the middleware (session and
user lookup), the guards, the view, the service, names, the template and the response; no
network and no HTTP parsing. The ceiling is what a person would hand-write to serve the same
page: one raw psycopg (or sqlite3) connection running the session + user query, the page's
rows, one query for the names shown, then a minimal Jinja template (autoescaped, the same
layout parts, rows and columns, values formatted through Babel for the same language),
encoded to bytes. Each scenario: warm-up rounds, then rounds in which the web and the ceiling
take turns on the same input; median and p95 of both and the ratio of medians. The first
round checks that both show the same customers in the same order (list pages) or the same
customer and activities (360 pages).

Throughput: `uvicorn bench.web:asgi_app --factory --workers 2` (what `guanxi serve --workers 2`
runs, with the bench plugin added so that the page has the same columns as above) on the same
database, loaded for `--seconds` by `wrk` when it is installed, else by a built-in client of
`--connections` threads (httpx), with a signed-in session cookie; requests/s and latency
percentiles. The load generator runs on the same machine and takes CPU from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import html
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

if __package__ in (None, ""):  # run as `python bench/web.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import jinja2
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from litestar import Litestar

from bench.plugin import plugin as bench_plugin
from bench.run import ACTIVITY_COLUMNS, CUSTOMER_COLUMNS, RESULTS, Raw, Target, facts
from guanxi_core import App, Settings, create_app
from guanxi_core.i18n import SUPPORTED_LOCALES
from guanxi_core.migrate import upgrade_plugin
from guanxi_web import WebSettings, create_web_app
from guanxi_web import plugin as web_plugin
from guanxi_web.sessions import SessionStore
from guanxi_web.state import SESSION_COOKIE

ROOT = Path(__file__).resolve().parent.parent
PAGE = 50  # the web list's page size (views/customers.py)
SEARCH_PAGE = 50  # the web list's search results
try:  # the customer page shows the first page of the timeline (views/activities.py)
    from guanxi_web.views.activities import PAGE_SIZE as TIMELINE
except ImportError:  # pragma: no cover - an older web: the 360 view's 50 activities
    TIMELINE = 50


# -- the web side: the ASGI application, called in this process ------------------------------
@dataclass
class Hit:
    """One response: status, body and the server time in milliseconds."""

    status: int
    body: bytes
    ms: float
    rows: Any = None  # the ceiling's rows (for the keyset walk)
    cpu: float = 0.0  # CPU milliseconds of this process (all threads) during the request

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")


def asgi_app() -> Litestar:
    """The uvicorn factory: the web UI with the bench plugin on `GUANXI_DATABASE_URL`."""
    app = create_app(Settings.from_env(), plugins=[web_plugin, bench_plugin])
    return create_web_app(app)


class InProcess:
    """Calls an ASGI application on an event loop of its own (in its own thread, so that it
    works beside a loop the caller may be running); times each call to its last body message.
    """

    def __init__(self, asgi: Any) -> None:
        self.asgi = asgi
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-asgi", daemon=True)
        self.thread.start()

    def get(self, target: str, cookie: str, *, htmx: bool = False) -> Hit:
        """GET `target` (path and query) with the `Cookie` header `cookie`."""
        return asyncio.run_coroutine_threadsafe(self._get(target, cookie, htmx), self.loop).result()

    def in_loop(self, function: Callable[[], Any]) -> Any:
        """Run `function` in the loop's thread (e.g. to start a profiler there)."""

        async def call() -> Any:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result()

    async def _get(self, target: str, cookie: str, htmx: bool) -> Hit:
        path, _sep, query = target.partition("?")
        headers = [
            (b"host", b"bench.local"),
            (b"cookie", cookie.encode()),
            (b"accept-language", b"en"),
            (b"user-agent", b"guanxi-bench"),
        ]
        if htmx:
            headers.append((b"hx-request", b"true"))
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("bench.local", 80),
            "state": {},
        }
        sent_request = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)  # never: nothing waits for a disconnect on a GET
            return {"type": "http.disconnect"}

        async def send(message: Mapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        clock, cpu = time.perf_counter, time.process_time
        start, start_cpu = clock(), cpu()
        await self.asgi(scope, receive, send)
        elapsed, used = (clock() - start) * 1000, (cpu() - start_cpu) * 1000
        return Hit(status, b"".join(chunks), elapsed, cpu=used)

    def close(self) -> None:
        """Stop and close the event loop."""
        asyncio.run_coroutine_threadsafe(self.loop.shutdown_default_executor(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


# -- the ceiling: hand-written SQL and a minimal template (bench/web_templates/) -------------
ICONS = {
    "note": "📝",
    "phone": "📞",
    "map-pin": "📍",
    "message": "💬",
    "mail": "✉️",
    "cart": "🛒",
    "check": "✅",
    "calendar": "📅",
}

# The columns the ceiling's templates show, in the web's order (checked against the app).
LIST_COLUMNS = (
    "name",
    "kind",
    "phones",
    "owner_id",
    "lifecycle_stage",
    "updated_at",
    "bench.tier",
    "bench.score",
    "tags",
)
DETAIL_FIELDS = (
    "kind",
    "phones",
    "emails",
    "address",
    "owner_id",
    "team_id",
    "source",
    "lifecycle_stage",
    "created_at",
    "updated_at",
    "bench.tier",
    "bench.score",
)


class Formats:
    """Babel formatting for one language, with the patterns parsed once (the cheapest way to
    produce the same text as `babel.dates.format_datetime` / `babel.numbers.format_decimal`,
    which the web uses; checked on samples, falling back to those functions if they differ)."""

    def __init__(self, locale: str) -> None:
        loc = Locale.parse(locale)
        date_pattern = loc.date_formats["medium"]
        time_pattern = loc.time_formats["medium"]
        glue = str(loc.datetime_formats["medium"]).replace("'", "")
        number_pattern = loc.decimal_formats[None]

        def fast_dt(value: datetime) -> str:
            value = value.astimezone(UTC)
            return glue.replace("{0}", time_pattern.apply(value.timetz(), loc)).replace(
                "{1}", date_pattern.apply(value, loc)
            )

        def fast_num(value: int) -> str:
            return str(number_pattern.apply(value, loc))

        samples = [datetime(2025, m, m * 2, m, m * 3, m * 4, tzinfo=UTC) for m in range(1, 13)]
        numbers = [0, 7, 999, 1000, 12345, 99999, 1234567, -4321]
        same_dt = all(fast_dt(s) == format_datetime(s, "medium", locale=locale) for s in samples)
        same_num = all(fast_num(n) == format_decimal(n, locale=locale) for n in numbers)
        self._dt: Callable[[datetime], str] = (
            fast_dt if same_dt else lambda v: format_datetime(v, "medium", locale=locale)
        )
        self._num: Callable[[int], str] = (
            fast_num if same_num else lambda v: format_decimal(v, locale=locale)
        )

    def dt(self, value: datetime | None) -> str:
        """A date and time, medium format."""
        return "" if value is None else self._dt(value)

    def num(self, value: int | None) -> str:
        """A number."""
        return "" if value is None else self._num(value)


@dataclass
class Viewer:
    """What the ceiling's session query returns."""

    user_id: int
    display_name: str
    csrf: str
    locale: str
    roles: frozenset[str]
    granted: frozenset[str]

    def can(self, permission: str) -> bool:
        """Whether the user holds `permission` (an administrator holds every one)."""
        return "admin" in self.roles or permission in self.granted

    @property
    def owner_rule(self) -> int | None:
        """The owner a rep is limited to (None: sees everything, as the admin)."""
        return None if "admin" in self.roles else self.user_id


@dataclass
class ListQuery:
    """A list request: filter on the tier, sort, keyset position, search, htmx rows only."""

    tier: str | None = None
    sort: str = "-updated_at"  # or "bench.score"
    after: tuple[Any, int] | None = None
    q: str = ""
    rows_only: bool = False


@dataclass
class Control:
    """A filter control of the list: label, widget, parameter, options (or a picker's name)."""

    key: str
    label: str
    widget: str
    input: str
    name: str
    options: str | list[tuple[str, str]]


class Ceiling:
    """Hand-written pages: raw SQL on one connection, then a minimal Jinja template."""

    def __init__(self, app: App, raw: Raw, locale: str) -> None:
        self.raw = raw
        self.locale = locale
        self.fmt = Formats(locale)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(Path(__file__).parent / "web_templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.roles = {name: role.permissions for name, role in app.roles.items()}

        def tr(text: Any, **params: Any) -> str:
            return app.translator.gettext(text, locale, **params)

        fields = {s.key: s for s in app.fields.for_entity("customer")}
        self.t = {
            key: tr(text)
            for key, text in {
                "guanxi": "Guanxi",
                "customers": "Customers",
                "sign_out": "Sign out",
                "search": "Search",
                "load_more": "Load more",
                "details": "Details",
                "organizations": "Organizations",
                "people": "People",
                "timeline": "Timeline",
                "no_activities": "No activities yet.",
                "saved_views": "Saved views",
                "save_as": "Save this list as",
                "save_view": "Save view",
                "filters": "Filters",
                "from": "From",
                "to": "To",
                "any": "Any",
                "columns": "Columns",
                "apply": "Apply",
                "clear_all": "Clear search and filters",
                "bulk": "Change the selected customers",
                "select_all": "Select all on this page",
                "add_tag": "Add tag",
                "remove_tag": "Remove tag",
                "keep": "Keep",
                "assign": "Assign",
                "sort_by": "Sort by",
                "none_found": "No customers found.",
                "home": "Home",
                "tags": "Tags",
                "new_customer": "New customer",
                "edit": "Edit",
                "log": "Log an activity",
                "all_kinds": "All kinds",
                "filter": "Filter",
                "due": "Due",
                "amount": "Amount",
                "confirm_delete": "Delete this activity?",
                "delete": "Delete",
                "no_tags": "No tags yet.",
                "add_tags": "Add tags",
                "add": "Add",
                "tags_help": "Separate several tags with commas.",
                "no_orgs": "Not linked to any organization yet.",
                "no_people": "No people linked yet.",
                "link": "Link to an organization",
                "find": "Find an organization",
                "job_title": "Job title",
                "link_button": "Link",
                "history": "History",
                "show_history": "Show who changed what",
            }.items()
        }
        self.t["bench"] = tr(app.plugin("bench").title)
        self.babel = Locale.parse(locale)
        self.icons = {k: ICONS.get(kind.icon, "•") for k, kind in app.kinds.items()}
        self.all_kinds = [(k, tr(kind.label), self.icons[k]) for k, kind in app.kinds.items()]
        self.quick = [o for o in self.all_kinds if o[0] in {"core.note", "core.call", "core.visit"}]
        self.select_label = tr("Select {name}")
        self.labels = {k: tr(s.label) for k, s in fields.items()}
        self.kinds = {v: tr(label) for v, label in fields["kind"].choices}
        self.activity_kinds = {k: tr(kind.label) for k, kind in app.kinds.items()}
        self.states = {
            k: {s: tr(label) for s, label in kind.workflow.states.items()}
            for k, kind in app.kinds.items()
            if kind.workflow is not None
        }
        self.languages = [
            (c, {"en": "English", "zh_CN": "中文"}.get(c, c)) for c in SUPPORTED_LOCALES
        ]
        # The list's fixed parts: filter controls, the column chooser, sort options, headers.
        self.controls: list[Control] = []
        for spec in fields.values():
            if not spec.filterable or spec.key == "name":
                continue
            if spec.references in {"user", "team"}:
                none = tr("Nobody") if spec.references == "user" else tr("No team")
                self.controls.append(
                    Control(
                        spec.key,
                        self.labels[spec.key],
                        "select",
                        "",
                        f"f.{spec.key}",
                        f"{spec.references}s:{none}",
                    )
                )
            elif spec.type in {"choice", "bool"}:
                options = (
                    [(str(v), tr(label)) for v, label in spec.choices]
                    if spec.type == "choice"
                    else [("yes", tr("Yes")), ("no", tr("No"))]
                )
                self.controls.append(
                    Control(spec.key, self.labels[spec.key], "select", "", f"f.{spec.key}", options)
                )
            elif spec.type in {"int", "float", "decimal", "date", "datetime"}:
                kind = "number" if spec.type in {"int", "float", "decimal"} else "date"
                self.controls.append(
                    Control(spec.key, self.labels[spec.key], "range", kind, "", [])
                )
            else:
                self.controls.append(
                    Control(spec.key, self.labels[spec.key], "text", "text", f"f.{spec.key}", [])
                )
        self.controls.append(Control("tags", tr("Tag"), "select", "", "tag", "tags"))
        self.chooser = [
            (k, self.labels[k], s.list_column) for k, s in fields.items() if k != "name"
        ] + [("tags", self.t["tags"], True)]
        self.sort_options: list[tuple[str, str]] = []
        for key, spec in fields.items():
            if not spec.sortable:
                continue
            if spec.type in {"date", "datetime"}:
                up, down = "{field}, oldest first", "{field}, newest first"
            elif spec.type in {"int", "float", "decimal"}:
                up, down = "{field}, lowest first", "{field}, highest first"
            else:
                up, down = "{field}, A to Z", "{field}, Z to A"
            self.sort_options += [
                (key, tr(up, field=self.labels[key])),
                ("-" + key, tr(down, field=self.labels[key])),
            ]
        self.sortable = {k for k, s in fields.items() if s.sortable}
        agg = "group_concat(r.role, ',')" if raw.sqlite else "string_agg(r.role, ',')"
        self.session_sql = (
            "SELECT u.id, u.display_name, s.csrf_token, coalesce(s.locale, u.locale) AS locale, "
            f"(SELECT {agg} FROM user_role r WHERE r.user_id = u.id) AS roles "
            'FROM web_session s JOIN "user" u ON u.id = s.user_id AND u.is_active '
            "WHERE s.id = %s"
        )

    def viewer(self, session_id: str) -> Viewer:
        """The signed-in user of a session (one query)."""
        row = self.raw.all(self.session_sql, (session_id,))[0]
        roles = frozenset((row["roles"] or "").split(","))
        permissions = frozenset().union(*(self.roles.get(r, ()) for r in roles))
        return Viewer(
            row["id"], row["display_name"], row["csrf_token"], row["locale"], roles, permissions
        )

    def _names(
        self, user_ids: Iterable[int | None], team_ids: Iterable[int | None] = ()
    ) -> tuple[dict[int, str], dict[int, str]]:
        users = sorted({u for u in user_ids if u is not None})
        teams = sorted({t for t in team_ids if t is not None})
        if not users and not teams:
            return {}, {}
        parts, params = [], []
        if users:
            parts.append(
                'SELECT 0 AS k, id, display_name AS name FROM "user" WHERE id IN ('
                + ", ".join(["%s"] * len(users))
                + ")"
            )
            params += users
        if teams:
            parts.append(
                "SELECT 1 AS k, id, name FROM team WHERE id IN ("
                + ", ".join(["%s"] * len(teams))
                + ")"
            )
            params += teams
        user_names: dict[int, str] = {}
        team_names: dict[int, str] = {}
        for row in self.raw.all(" UNION ALL ".join(parts), params):
            (team_names if row["k"] else user_names)[row["id"]] = row["name"]
        return user_names, team_names

    def _common(self, viewer: Viewer) -> dict[str, Any]:
        return {
            "t": self.t,
            "lang": self.locale.replace("_", "-"),
            "csrf": viewer.csrf,
            "user": viewer.display_name,
            "languages": self.languages,
            "dt": self.fmt.dt,
            "num": self.fmt.num,
            "can_edit": viewer.can("core.customer.edit"),
        }

    def _rows(self, viewer: Viewer, query: ListQuery) -> list[dict[str, Any]]:
        """The page's rows (one more than the page: is there a next page?)."""
        select = (
            f"SELECT {CUSTOMER_COLUMNS} FROM customer c "
            "LEFT JOIN bench_profile p ON p.customer_id = c.id WHERE 1 = 1"
        )
        params: list[Any] = []
        if viewer.owner_rule is not None:
            select += " AND c.owner_id = %s"
            params.append(viewer.owner_rule)
        if query.tier is not None:
            select += " AND p.tier = %s"
            params.append(query.tier)
        if query.q:
            fragment = query.q.strip().lower()
            escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            select += " AND c.search_text LIKE %s ESCAPE '\\'"
            params.append(f"%{escaped}%")
        limit = PAGE + 1
        if query.sort == "-updated_at":
            where, extra = "", []
            if query.after is not None:
                where = " AND (c.updated_at, c.id) < (%s, %s)"
                extra = [self._bind_time(query.after[0]), query.after[1]]
            return self.raw.all(
                f"{select}{where} ORDER BY c.updated_at DESC, c.id DESC LIMIT {limit}",
                [*params, *extra],
            )
        assert query.sort == "bench.score"
        where, extra = " AND p.score IS NOT NULL", []
        if query.after is not None:
            where += " AND (p.score, p.customer_id) > (%s, %s)"
            extra = list(query.after)
        rows = self.raw.all(
            f"{select}{where} ORDER BY p.score, p.customer_id LIMIT {limit}", [*params, *extra]
        )
        if len(rows) < limit:  # rows without a score come last, by id
            rows += self.raw.all(
                f"{select} AND p.score IS NULL ORDER BY c.id LIMIT {limit - len(rows)}", params
            )
        return rows

    def list_page(self, session_id: str, query: ListQuery) -> Hit:
        """The customers list (the full page, or only the rows for htmx's "Load more")."""
        start, start_cpu = time.perf_counter(), time.process_time()
        viewer = self.viewer(session_id)
        rows = self._rows(viewer, query)
        more, rows = len(rows) > PAGE, rows[:PAGE]
        tags: dict[int, list[str]] = {}
        if rows:
            ids = [r["id"] for r in rows]
            for row in self.raw.all(
                "SELECT ct.customer_id, t.name FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id "
                f"WHERE ct.customer_id IN ({', '.join(['%s'] * len(ids))}) "
                "ORDER BY ct.customer_id, t.name",
                ids,
            ):
                tags.setdefault(row["customer_id"], []).append(row["name"])
        owners = {r["owner_id"] for r in rows if r["owner_id"] is not None}
        pairs = [("sort", query.sort)] if query.sort != "-updated_at" else []
        if query.q:
            pairs.insert(0, ("q", query.q))
        if query.tier:
            pairs.insert(0, ("f.bench.tier", query.tier))
        base = "/customers" + ("?" + urlencode(pairs) if pairs else "")
        last = rows[-1] if rows and more else None
        after = None
        if last is not None:
            key = last["updated_at"] if query.sort == "-updated_at" else last["bench.score"]
            after = f"{key.isoformat() if isinstance(key, datetime) else key},{last['id']}"
        common = self._common(viewer)
        values: dict[str, Any] = {
            **common,
            "rows": rows,
            "tags": tags,
            "kinds": self.kinds,
            "select_label": self.select_label,
            "width": len(LIST_COLUMNS) + 1,
            "l": self.labels,
            "more": f"{base}{'&' if pairs else '?'}after={quote(after)}" if after else None,
        }
        if query.rows_only:
            values["names"], _teams = self._names(owners)
            body = self.env.get_template("rows.html").render(**values).encode()
            return Hit(
                200,
                body,
                (time.perf_counter() - start) * 1000,
                rows,
                (time.process_time() - start_cpu) * 1000,
            )
        users = self.raw.all(
            'SELECT id, display_name FROM "user" WHERE is_active '
            "ORDER BY display_name, id LIMIT 1000"
        )
        teams = self.raw.all("SELECT id, name FROM team ORDER BY name LIMIT 1000")
        tag_names = [
            r["name"] for r in self.raw.all("SELECT name FROM tag ORDER BY name LIMIT 1000")
        ]
        views = self.raw.all(
            "SELECT id, name, query FROM web_saved_view WHERE user_id = %s AND list = %s "
            "ORDER BY name, id",
            (viewer.user_id, "customers"),
        )
        names = {r["id"]: r["display_name"] for r in users}
        missing = owners - names.keys()
        if missing:  # owners no longer active
            names.update(self._names(missing)[0])
        user_options = [(str(r["id"]), r["display_name"]) for r in users]
        team_options = [(str(r["id"]), r["name"]) for r in teams]
        pickers: dict[str, list[tuple[str, str]]] = {
            "users": user_options,
            "teams": team_options,
            "tags": [(n, n) for n in tag_names],
        }
        for control in self.controls:  # "users:Nobody" → the picker with its "none" option
            if isinstance(control.options, str) and ":" in control.options:
                picker, none = control.options.split(":", 1)
                pickers[control.options] = [("none", none), *pickers[picker]]
        headers = []
        for key in LIST_COLUMNS:
            label = self.t["tags"] if key == "tags" else self.labels[key]
            url = None
            if key in self.sortable:
                flipped = key if query.sort == "-" + key else "-" + key
                url = "/customers?" + urlencode(
                    [*(p for p in pairs if p[0] != "sort"), ("sort", flipped)]
                )
            headers.append((key, label, url))
        body = (
            self.env.get_template("list.html")
            .render(
                **values,
                names=names,
                q=query.q,
                views=views,
                controls=self.controls,
                pickers=pickers,
                selected={"f.bench.tier": query.tier} if query.tier else {},
                chooser=self.chooser,
                can_assign=viewer.can("core.customer.assign"),
                tag_names=tag_names,
                query=urlencode(pairs),
                sort_options=self.sort_options,
                sort=query.sort,
                headers=headers,
            )
            .encode()
        )
        return Hit(
            200,
            body,
            (time.perf_counter() - start) * 1000,
            rows,
            (time.process_time() - start_cpu) * 1000,
        )

    def page_360(self, session_id: str, customer_id: int) -> Hit:
        """The customer page: the customer, tags, affiliations, the first timeline page."""
        start, start_cpu = time.perf_counter(), time.process_time()
        viewer = self.viewer(session_id)
        rule, visible = "", []
        if viewer.owner_rule is not None:
            rule, visible = " AND c.owner_id = %s", [viewer.owner_rule]
        found = self.raw.all(
            f"SELECT {CUSTOMER_COLUMNS} FROM customer c "
            f"LEFT JOIN bench_profile p ON p.customer_id = c.id WHERE c.id = %s{rule}",
            [customer_id, *visible],
        )
        if not found:
            return Hit(
                404,
                b"",
                (time.perf_counter() - start) * 1000,
                cpu=(time.process_time() - start_cpu) * 1000,
            )
        customer = found[0]
        tags = [
            r["name"]
            for r in self.raw.all(
                "SELECT t.name FROM tag t JOIN customer_tag ct ON ct.tag_id = t.id "
                "WHERE ct.customer_id = %s ORDER BY t.name",
                (customer_id,),
            )
        ]
        person = customer["kind"] == "person"
        mine, theirs = (
            ("person_id", "organization_id") if person else ("organization_id", "person_id")
        )
        links = self.raw.all(
            "SELECT c.id, c.name, a.title FROM affiliation a JOIN customer c "
            f"ON c.id = a.{theirs} WHERE a.{mine} = %s{rule} ORDER BY c.name LIMIT 200",
            [customer_id, *visible],
        )
        activities = self.raw.all(
            f"SELECT {ACTIVITY_COLUMNS} FROM activity a WHERE a.customer_id = %s "
            f"ORDER BY a.occurred_at DESC, a.id DESC LIMIT {TIMELINE + 1}",
            (customer_id,),
        )
        more_rows, activities = len(activities) > TIMELINE, activities[:TIMELINE]
        users, teams = self._names(
            [customer["owner_id"], *(a["owner_id"] for a in activities)], [customer["team_id"]]
        )
        can = viewer.can
        last = activities[-1] if more_rows else None
        body = (
            self.env.get_template("detail.html")
            .render(
                **self._common(viewer),
                c=customer,
                tags=tags,
                person=person,
                links=links,
                activities=activities,
                l=self.labels,
                kinds=self.kinds,
                users=users,
                activity_kinds=self.activity_kinds,
                states=self.states,
                icons=self.icons,
                owner=users.get(customer["owner_id"]),
                team=teams.get(customer["team_id"]),
                quick=self.quick,
                all_kinds=self.all_kinds,
                money=self.money,
                more=quote(f"{last['occurred_at'].isoformat()},{last['id']}") if last else None,
                can_create=can("core.customer.create"),
                can_log=can("core.activity.create"),
                can_edit_activity=can("core.activity.edit"),
                can_delete_activity=can("core.activity.delete"),
            )
            .encode()
        )
        return Hit(
            200,
            body,
            (time.perf_counter() - start) * 1000,
            activities,
            (time.process_time() - start_cpu) * 1000,
        )

    def money(self, amount: Any, currency: str | None) -> str:
        """An amount with its currency, as Babel writes it in this language."""
        code = (currency or "").strip().upper()
        if not code:
            return format_decimal(amount, format="#,##0.00", locale=self.babel)
        return format_currency(amount, code, locale=self.babel)

    def _bind_time(self, value: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime stores naive UTC text with microseconds.
        if self.raw.sqlite:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value


# -- checks: both sides show the same thing --------------------------------------------------
_ROW_LINK = re.compile(r'href="/customers/(\d+)"')
_NEXT_LINK = re.compile(r'(?:href|hx-get)="(/customers\?[^"]*\bcursor=[^"]*)"')


def customer_ids(page: str) -> list[int]:
    """The customers a list page links to, in order (repeated links to one row counted once)."""
    ids: list[int] = []
    for match in _ROW_LINK.finditer(page):
        value = int(match.group(1))
        if not ids or ids[-1] != value:
            ids.append(value)
    return ids


def next_link(page: str) -> str | None:
    """The path and query of a list page's link to its next page, if any."""
    match = _NEXT_LINK.search(page)
    return html.unescape(match.group(1)) if match else None


def same_list(web: Hit, ceiling: Hit) -> str | None:
    """None when both list the same customers in the same order, else what differs."""
    if web.status != 200:
        return f"the web answered {web.status}"
    got, want = customer_ids(web.text), [r["id"] for r in ceiling.rows]
    if got != want:
        return f"the web lists {got[:5]}… ({len(got)}), the SQL {want[:5]}… ({len(want)})"
    return None


def same_360(web: Hit, ceiling: Hit) -> str | None:
    """None when the web page shows the ceiling's customer and first and last activities."""
    if web.status != ceiling.status:
        return f"the web answered {web.status}, the SQL {ceiling.status}"
    if web.status != 200:
        return None
    page = web.text
    for activity in (ceiling.rows[:1] + ceiling.rows[-1:]) if ceiling.rows else []:
        if html.escape(activity["subject"], quote=False) not in page:
            return f"activity {activity['id']} ({activity['subject']!r}) is not on the web page"
    return None


# -- measuring -------------------------------------------------------------------------------
@dataclass
class Scenario:
    """A web page and its ceiling, over a list of inputs taken in turn."""

    name: str
    web: Callable[[Any], Hit]
    ceiling: Callable[[Any], Hit]
    inputs: Sequence[Any]
    check: Callable[[Hit, Hit], str | None]
    target: Target = field(default_factory=Target)
    note: str = ""


@dataclass
class Result:
    """Server times of one page, in milliseconds, and the response sizes in bytes."""

    name: str
    target: str
    web_median: float
    web_p95: float
    ceiling_median: float
    ceiling_p95: float
    ratio: float
    passed: bool | None
    rounds: int
    web_bytes: int
    ceiling_bytes: int
    web_cpu: float = 0.0  # median CPU ms of this process per request (robust to other load)
    ceiling_cpu: float = 0.0
    note: str = ""
    informational: bool = False

    @property
    def cpu_ratio(self) -> float:
        """Web CPU over ceiling CPU (medians)."""
        return self.web_cpu / self.ceiling_cpu if self.ceiling_cpu else float("inf")

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or - when there is no target; lower case when informational."""
        text = "-" if self.passed is None else "PASS" if self.passed else "FAIL"
        return text.lower() if self.informational else text


def quantile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(scenario: Scenario, warmup: int, repeat: int, budget: float) -> Result:
    """Check both sides agree, warm up, then time them in turns.

    Stops after `repeat` rounds, or after `budget` seconds once 10 rounds are done.
    """
    inputs = scenario.inputs
    first_web, first_ceiling = scenario.web(inputs[0]), scenario.ceiling(inputs[0])
    problem = scenario.check(first_web, first_ceiling)
    if problem:
        raise AssertionError(f"{scenario.name}: {problem}")
    clock = time.perf_counter
    deadline = clock() + budget / 4
    for i in range(warmup):
        if i >= 2 and clock() > deadline:
            break
        scenario.web(inputs[i % len(inputs)])
        scenario.ceiling(inputs[i % len(inputs)])
    web: list[float] = []
    ceiling: list[float] = []
    web_cpu: list[float] = []
    ceiling_cpu: list[float] = []
    web_bytes: list[int] = []
    ceiling_bytes: list[int] = []
    deadline = clock() + budget
    for i in range(repeat):
        if i >= 10 and clock() > deadline:
            break
        value = inputs[i % len(inputs)]
        # alternate which side goes first so that neither always meets a warmer cache
        sides = [
            (scenario.web, web, web_cpu, web_bytes),
            (scenario.ceiling, ceiling, ceiling_cpu, ceiling_bytes),
        ]
        for call, times, cpu, sizes in sides if i % 2 == 0 else reversed(sides):
            hit = call(value)
            if hit.status != first_web.status:
                raise AssertionError(f"{scenario.name}: status {hit.status} for {value!r}")
            times.append(hit.ms)
            cpu.append(hit.cpu)
            sizes.append(len(hit.body))
    w_med, c_med = statistics.median(web), statistics.median(ceiling)
    ratio = w_med / c_med if c_med else float("inf")
    target = scenario.target
    checks = []
    if target.max_ratio is not None:
        checks.append(ratio <= target.max_ratio)
    if target.max_median_ms is not None:
        checks.append(w_med < target.max_median_ms)
    return Result(
        scenario.name,
        target.describe(),
        w_med,
        quantile(web, 0.95),
        c_med,
        quantile(ceiling, 0.95),
        ratio,
        all(checks) if checks else None,
        len(web),
        int(statistics.median(web_bytes)),
        int(statistics.median(ceiling_bytes)),
        statistics.median(web_cpu),
        statistics.median(ceiling_cpu),
        scenario.note,
        target.informational,
    )


# -- the scenarios ---------------------------------------------------------------------------
@dataclass
class Signed:
    """A signed-in session: its cookie header and its stored id."""

    username: str
    user_id: int
    cookie: str
    session_id: str


def sign_in(
    app: App, store: SessionStore, settings: WebSettings, username: str, locale: str | None
) -> Signed:
    """A session for `username`, made as signing in makes it (no password check)."""
    actor = app.actor_by_username(username)
    assert actor.id is not None
    token, session = store.create(actor.id, locale)
    cookie = f"{settings.cookie_name(SESSION_COOKIE)}={token}"
    return Signed(username, actor.id, cookie, session.id)


def walk(
    client: InProcess, ceiling: Ceiling, who: Signed, pages: int
) -> list[tuple[str, tuple[Any, int]]]:
    """(web next-page target, ceiling keyset position) for the pages after the first.

    Follows the web's "Load more" links as htmx does (the rows only) and the ceiling's keyset
    together, checking on every page that both list the same customers.
    """
    out: list[tuple[str, tuple[Any, int]]] = []
    web = client.get("/customers", who.cookie)
    sql = ceiling.list_page(who.session_id, ListQuery())
    while len(out) < pages:
        problem = same_list(web, sql)
        if problem:
            raise AssertionError(f"page {len(out) + 1} for {who.username}: {problem}")
        target = next_link(web.text)
        if target is None or len(sql.rows) < PAGE:
            break
        last = sql.rows[-1]
        position = (last["updated_at"], last["id"])
        out.append((target, position))
        web = client.get(target, who.cookie, htmx=True)
        sql = ceiling.list_page(who.session_id, ListQuery(after=position, rows_only=True))
    return out


def busy_customers(raw: Raw, owner: int | None, count: int) -> list[int]:
    """Customers with the most activities (among a sample), 50 or more where there are any."""
    rule, params = "", []
    if owner is not None:
        rule, params = " WHERE c.owner_id = %s", [owner]
    return [
        int(r["customer_id"])
        for r in raw.all(
            "SELECT a.customer_id FROM (SELECT customer_id FROM activity ORDER BY id "
            "LIMIT 300000) a "
            f"JOIN customer c ON c.id = a.customer_id{rule} GROUP BY a.customer_id "
            f"ORDER BY count(*) DESC, a.customer_id LIMIT {count}",
            params,
        )
    ]


def scenarios(
    app: App,
    raw: Raw,
    client: InProcess,
    ceilings: Mapping[str, Ceiling],
    signed: Mapping[str, Signed],
    args: argparse.Namespace,
) -> list[Scenario]:
    """The list and 360 pages as an admin and as a rep (and the admin's list in the other
    language), and a search page."""
    ceiling, other = ceilings["main"], ceilings["other"]
    admin, rep, admin_other = signed["admin"], signed["rep"], signed["other"]
    rng = random.Random(7)
    count = max(1, args.repeat)
    admin_pages = walk(client, ceiling, admin, args.pages)
    rep_pages = walk(client, ceiling, rep, max(2, args.pages // 2))
    max_id = int(raw.scalar("SELECT max(id) FROM customer"))
    random_ids = [rng.randrange(1, max_id + 1) for _ in range(count)]
    rep_ids = [
        int(r["id"])
        for r in raw.all("SELECT id FROM customer WHERE owner_id = %s ORDER BY id", (rep.user_id,))
    ]
    rep_sample = [rng.choice(rep_ids) for _ in range(count)] if rep_ids else random_ids
    busy = busy_customers(raw, None, 100) or random_ids

    def web_get(who: Signed) -> Callable[[str], Hit]:
        return lambda target: client.get(target, who.cookie)

    def web_360(who: Signed) -> Callable[[int], Hit]:
        return lambda customer_id: client.get(f"/customers/{customer_id}", who.cookie)

    def sql_360(who: Signed) -> Callable[[int], Hit]:
        return lambda customer_id: ceiling.page_360(who.session_id, customer_id)

    page_target = Target(2.0, 50.0)
    filtered = "/customers?f.bench.tier=A&sort=bench.score"
    out = [
        Scenario(
            "list page (admin)",
            web_get(admin),
            lambda _t: ceiling.list_page(admin.session_id, ListQuery()),
            ["/customers"],
            same_list,
            page_target,
            "GET /customers: newest first, 50 rows, full page",
        ),
        Scenario(
            f"list page (admin, {other.locale})",
            web_get(admin_other),
            lambda _t: other.list_page(admin_other.session_id, ListQuery()),
            ["/customers"],
            same_list,
            page_target,
            "the same page in the other language",
        ),
        Scenario(
            "next page (admin)",
            lambda p: client.get(p[0], admin.cookie, htmx=True),
            lambda p: ceiling.list_page(admin.session_id, ListQuery(after=p[1], rows_only=True)),
            admin_pages,
            same_list,
            page_target,
            f"pages 2..{len(admin_pages) + 1}: htmx 'Load more' (rows only)",
        ),
        Scenario(
            "filtered page (admin)",
            web_get(admin),
            lambda _t: ceiling.list_page(admin.session_id, ListQuery(tier="A", sort="bench.score")),
            [filtered],
            same_list,
            page_target,
            "?f.bench.tier=A&sort=bench.score",
        ),
        Scenario(
            "list page (rep)",
            web_get(rep),
            lambda _t: ceiling.list_page(rep.session_id, ListQuery()),
            ["/customers"],
            same_list,
            page_target,
            "+ record rule owner_id = rep",
        ),
        Scenario(
            "next page (rep)",
            lambda p: client.get(p[0], rep.cookie, htmx=True),
            lambda p: ceiling.list_page(rep.session_id, ListQuery(after=p[1], rows_only=True)),
            rep_pages,
            same_list,
            page_target,
            f"pages 2..{len(rep_pages) + 1}, owner_id = rep",
        ),
        Scenario(
            "filtered page (rep)",
            web_get(rep),
            lambda _t: ceiling.list_page(rep.session_id, ListQuery(tier="A", sort="bench.score")),
            [filtered],
            same_list,
            Target(2.0, 50.0, informational=True),
            "owner_id = rep + tier A, by score (planner: see run.py's rep list)",
        ),
        Scenario(
            "360 page (admin)",
            web_360(admin),
            sql_360(admin),
            random_ids,
            same_360,
            page_target,
            "GET /customers/{id}: random customers",
        ),
        Scenario(
            "360 page (busy)",
            web_360(admin),
            sql_360(admin),
            busy,
            same_360,
            page_target,
            f"customers with the most activities ({TIMELINE} shown)",
        ),
        Scenario(
            "360 page (rep)",
            web_360(rep),
            sql_360(rep),
            rep_sample,
            same_360,
            page_target,
            "the rep's own customers",
        ),
    ]

    def searched(fragment: str) -> Callable[[Any], Hit]:
        return lambda _t: ceiling.list_page(admin.session_id, ListQuery(q=fragment))

    for fragment in args.search:
        out.append(
            Scenario(
                f"search page '{fragment}'",
                web_get(admin),
                searched(fragment),
                [f"/customers?q={fragment}"],
                same_list,
                Target(2.0, 100.0, informational=True),
                "GET /customers?q=…: newest first",
            )
        )
    return [s for s in out if s.inputs]


# -- throughput: uvicorn with worker processes, loaded over loopback --------------------------
@dataclass
class Throughput:
    """Requests/s and latency percentiles (ms) of one page under load."""

    page: str
    workers: int
    connections: int
    seconds: float
    client: str
    requests: int
    errors: int
    rps: float
    p50: float
    p90: float
    p95: float
    p99: float
    mean: float


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d errors=%d seconds=%f mean=%f p50=%f p90=%f p95=%f p99=%f\\n",
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    summary.duration / 1e6, latency.mean / 1000, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def run_wrk(url: str, cookie: str, connections: int, seconds: float) -> dict[str, float]:
    """Load `url` with wrk (one thread); the numbers its `done` hook prints."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-H",
                f"Cookie: {cookie}",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}


def run_python_client(url: str, cookie: str, connections: int, seconds: float) -> dict[str, float]:
    """Load `url` from `connections` threads, each with its own keep-alive httpx client."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start_at = time.perf_counter() + 0.2
    stop_at = start_at + seconds

    def worker(n: int) -> None:
        with httpx.Client(headers={"Cookie": cookie}, timeout=10) as http:
            while time.perf_counter() < start_at:
                time.sleep(0.01)
            while (now := time.perf_counter()) < stop_at:
                try:
                    response = http.get(url)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies[n].append((time.perf_counter() - now) * 1000)
                errors[n] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(time.perf_counter(), stop_at) - start_at
    every = [x for per in latencies for x in per]
    if not every:
        raise RuntimeError("the load generator got no responses")
    return {
        "requests": len(every),
        "errors": sum(errors),
        "seconds": elapsed,
        "mean": statistics.fmean(every),
        "p50": quantile(every, 0.5),
        "p90": quantile(every, 0.9),
        "p95": quantile(every, 0.95),
        "p99": quantile(every, 0.99),
    }


def throughput(url: str, who: Signed, args: argparse.Namespace) -> Throughput:
    """Serve the web under uvicorn with `args.workers` workers; load the list page."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GUANXI_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.web:asgi_app",
            "--factory",
            "--workers",
            str(args.workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--app-dir",
            str(ROOT),
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        with httpx.Client(headers={"Cookie": who.cookie}, timeout=10) as http:
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"uvicorn exited with {server.returncode}")
                try:
                    response = http.get(f"{base}/customers")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            if response.status_code != 200 or not customer_ids(response.text):
                raise RuntimeError(f"the served list page answered {response.status_code}")
            for _ in range(20 * args.workers):  # every worker compiles its templates
                http.get(f"{base}/customers")
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
        runner = run_wrk if use_wrk else run_python_client
        numbers = runner(f"{base}/customers", who.cookie, args.connections, args.seconds)
        with httpx.Client(headers={"Cookie": who.cookie}, timeout=10) as http:
            after = http.get(f"{base}/customers")  # still signed in: the load was real pages
        if after.status_code != 200 or not customer_ids(after.text):
            raise RuntimeError("the session ended during the load")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return Throughput(
        "GET /customers (admin)",
        args.workers,
        args.connections,
        numbers["seconds"],
        "wrk" if use_wrk else "httpx threads",
        int(numbers["requests"]),
        int(numbers["errors"]),
        numbers["requests"] / numbers["seconds"],
        numbers["p50"],
        numbers["p90"],
        numbers["p95"],
        numbers["p99"],
        numbers["mean"],
    )


# -- report ----------------------------------------------------------------------------------
def print_table(results: Sequence[Result]) -> None:
    """The results as a fixed-width table."""
    header = (
        f"{'page':<24} {'web med':>9} {'p95':>7} {'ceiling':>9} {'p95':>7} {'ratio':>6}  "
        f"{'target':<25} {'result':<6} {'CPU web/ceil':>13} {'ratio':>6} {'rounds':>6} "
        f"{'KB w/c':>7}  note"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        size = f"{r.web_bytes / 1024:.0f}/{r.ceiling_bytes / 1024:.0f}"
        cpu = f"{r.web_cpu:.1f}/{r.ceiling_cpu:.1f}"
        print(
            f"{r.name:<24} {r.web_median:>6.2f} ms {r.web_p95:>7.2f} {r.ceiling_median:>6.2f} ms "
            f"{r.ceiling_p95:>7.2f} {r.ratio:>5.2f}×  {r.target:<25} {r.verdict:<6} "
            f"{cpu:>13} {r.cpu_ratio:>5.2f}× {r.rounds:>6} {size:>7}  {r.note}"
        )


def print_throughput(t: Throughput) -> None:
    """The throughput line."""
    print(
        f"{t.page}: {t.workers} uvicorn workers, {t.connections} connections ({t.client}), "
        f"{t.seconds:.1f} s: {t.requests:,} requests, {t.errors} errors, {t.rps:,.1f} req/s; "
        f"latency ms: p50 {t.p50:.1f}, p90 {t.p90:.1f}, p95 {t.p95:.1f}, p99 {t.p99:.1f}, "
        f"mean {t.mean:.1f}"
    )


# Where a request's time goes: (label, module, attribute path). Each is wrapped by a timer
# (wall clock, inclusive of what it calls) while the page is profiled; functions that a module
# imported by name are wrapped where they are used.
BREAKDOWN = (
    ("session + user lookup (middleware)", "guanxi_web.state", "_resolve"),
    ("  session row (SessionStore.load)", "guanxi_web.sessions", "SessionStore.load"),
    ("  user + roles (App.actor)", "guanxi_core.app", "App.actor"),
    ("  customers.list", "guanxi_core.services.customers", "CustomerService.list"),
    ("  customers.search", "guanxi_core.services.customers", "CustomerService.search"),
    ("  customers.view360", "guanxi_core.services.customers", "CustomerService.view360"),
    ("  customers.get", "guanxi_core.services.customers", "CustomerService.get"),
    ("  activities.timeline", "guanxi_core.services.activities", "ActivityService.timeline"),
    ("  names for display (make_display)", "guanxi_web.views._shared", "make_display"),
    ("  render (rendering.render)", "guanxi_web.views.customers", "render"),
    ("  render (rendering.render)", "guanxi_web.views.customer_page", "render"),
    ("    Babel dates (format_datetime)", "guanxi_web.display", "format_datetime"),
    ("    Babel numbers (format_decimal)", "guanxi_web.display", "format_decimal"),
    ("SQL: psycopg execute (all statements)", "psycopg", "Cursor.execute"),
    ("SQL: psycopg commands (BEGIN/COMMIT/ROLLBACK)", "psycopg", "Connection.commit"),
    ("SQL: psycopg commands (BEGIN/COMMIT/ROLLBACK)", "psycopg", "Connection.rollback"),
)


class _Inline(concurrent.futures.ThreadPoolExecutor):
    """Runs submitted work at once in the calling thread (so cProfile sees it)."""

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting caller
            future.set_exception(exc)
        return future


def _resolve_attr(module: str, path: str) -> tuple[Any, str] | None:
    import importlib  # noqa: PLC0415

    try:
        owner: Any = importlib.import_module(module)
    except ImportError:
        return None
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent, None)
    return (owner, name) if owner is not None and hasattr(owner, name) else None


def breakdown(scenario: Scenario, rounds: int) -> list[tuple[str, float, float, float]]:
    """Per request: wall ms, CPU ms (of the thread; the whole process for the request) and
    calls of the parts of `scenario`'s page."""
    totals: dict[str, list[float]] = {}
    patched: list[tuple[Any, str, Any]] = []

    def timer(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                slot = totals.setdefault(label, [0.0, 0.0, 0.0])
                slot[0] += time.perf_counter() - start
                slot[1] += time.thread_time() - start_cpu
                slot[2] += 1

        return timed

    for label, module, path in BREAKDOWN:
        found = _resolve_attr(module, path)
        if found is None:
            continue
        owner, name = found
        original = (
            owner.__dict__[name] if name in getattr(owner, "__dict__", {}) else getattr(owner, name)
        )
        patched.append((owner, name, original))
        setattr(owner, name, timer(label, original))
    try:
        for i in range(rounds):
            hit = scenario.web(scenario.inputs[i % len(scenario.inputs)])
            slot = totals.setdefault("whole request (server time)", [0.0, 0.0, 0.0])
            slot[0] += hit.ms / 1000
            slot[1] += hit.cpu / 1000
            slot[2] += 1
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    order = ["whole request (server time)"] + [label for label, _m, _p in BREAKDOWN]
    seen: set[str] = set()
    out = []
    for label in order:
        if label in totals and label not in seen:
            seen.add(label)
            total, cpu, calls = totals[label]
            out.append((label, total * 1000 / rounds, cpu * 1000 / rounds, calls / rounds))
    return out


def profile(client: InProcess, scenario: Scenario, rounds: int, top: int) -> None:
    """Where the time of `scenario`'s web page goes: timed parts, then a cProfile listing.

    For the cProfile listing the work the app hands to threads (the middleware's session
    lookup, sync handlers) runs inline on the profiled thread, so the profile holds all of it
    (cProfile's overhead inflates call-heavy code such as templates; the timed parts do not).
    """
    import cProfile  # noqa: PLC0415 - only with --profile
    import pstats  # noqa: PLC0415

    import anyio.to_thread  # noqa: PLC0415

    for i in range(5):
        scenario.web(scenario.inputs[i % len(scenario.inputs)])
    print(f"\n== where the time of {scenario.name} goes: per request, {rounds} requests ==")
    print(f"  {'':<46} {'wall ms':>8} {'CPU ms':>8} {'calls':>6}")
    for label, ms, cpu, calls in breakdown(scenario, rounds):
        print(f"  {label:<46} {ms:8.2f} {cpu:8.2f} {calls:6.1f}")

    async def inline(func: Callable[..., Any], *args: Any, **_kwargs: Any) -> Any:
        return func(*args)

    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    client.in_loop(lambda: client.loop.set_default_executor(_Inline()))
    profiler = cProfile.Profile()
    try:
        client.in_loop(profiler.enable)  # cProfile follows the thread that enables it
        for i in range(rounds):
            scenario.web(scenario.inputs[i % len(scenario.inputs)])
        client.in_loop(profiler.disable)
    finally:
        anyio.to_thread.run_sync = original
        client.in_loop(
            lambda: client.loop.set_default_executor(concurrent.futures.ThreadPoolExecutor())
        )
    print(f"\n== cProfile of {scenario.name}, {rounds} requests ==")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every page; print the tables; write JSON; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--repeat", type=int, default=200, help="timed rounds per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds per page")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds per page after which timing stops (at least 10 rounds)",
    )
    parser.add_argument(
        "--pages",
        type=int,
        default=100,
        help="next pages walked for the next-page rows (the rep's: half)",
    )
    parser.add_argument(
        "--search", nargs="*", default=["zhang"], help="fragments for search pages (informational)"
    )
    parser.add_argument("--admin", default="admin", help="the administrator's user name")
    parser.add_argument("--rep", default="rep0001", help="the rep's user name")
    parser.add_argument(
        "--locale", default="en", choices=SUPPORTED_LOCALES, help="the language of the sessions"
    )
    parser.add_argument("--only", nargs="*", default=None, help="run only these pages")
    parser.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="length of the throughput run (0: no throughput run)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), or the httpx threads",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="cProfile the web side of the first page whose name contains this",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write the results (default: bench/results/web-<time>.json)",
    )
    args = parser.parse_args(argv)

    app = create_app(Settings(database_url=args.url), plugins=[web_plugin, bench_plugin])
    upgrade_plugin(app.engine, web_plugin)  # the generator makes only the core's tables
    settings = WebSettings()
    store = SessionStore(app.engine, settings)
    raw = Raw(args.url)
    info = facts(app, raw)
    print(
        f"{info['customers']:,} customers, {info['activities']:,} activities on "
        f"{info['server']}; {info['cpus']} CPUs ({info['cpu']}); Python {info['python']}"
    )
    loadavg = os.getloadavg()
    print(
        f"repeat {args.repeat}, warm-up {args.warmup}; server times in ms; load average "
        f"{loadavg[0]:.2f} {loadavg[1]:.2f} {loadavg[2]:.2f}\n"
    )
    web_columns = [s.key for s in app.fields.for_entity("customer") if s.list_column]
    web_columns = [*sorted(web_columns, key=lambda k: k != "name"), "tags"]
    if tuple(web_columns) != LIST_COLUMNS:
        print(f"note: the web's list columns {web_columns} are not the ceiling's {LIST_COLUMNS}")

    other_locale = next(code for code in SUPPORTED_LOCALES if code != args.locale)
    admin = sign_in(app, store, settings, args.admin, args.locale)
    rep = sign_in(app, store, settings, args.rep, args.locale)
    admin_other = sign_in(app, store, settings, args.admin, other_locale)
    loader = sign_in(app, store, settings, args.admin, args.locale)
    client = InProcess(create_web_app(app, settings))
    ceilings = {"main": Ceiling(app, raw, args.locale), "other": Ceiling(app, raw, other_locale)}
    signed = {"admin": admin, "rep": rep, "other": admin_other}
    results: list[Result] = []
    load: Throughput | None = None
    try:
        chosen = [
            s
            for s in scenarios(app, raw, client, ceilings, signed, args)
            if not args.only or any(name in s.name for name in args.only)
        ]
        for scenario in chosen:
            results.append(measure(scenario, args.warmup, args.repeat, args.budget))
            print(f"  done: {scenario.name}", flush=True)
        if args.profile:
            picked = next((s for s in chosen if args.profile in s.name), None)
            if picked is not None:
                profile(client, picked, max(20, args.repeat), 40)
        if args.seconds > 0:
            print(f"  throughput: {args.workers} workers, {args.seconds:g} s ...", flush=True)
            load = throughput(args.url, loader, args)
    finally:
        client.close()
        for who in (admin, rep, admin_other, loader):
            store.delete(who.session_id)
    print()
    print_table(results)
    if load is not None:
        print()
        print_throughput(load)
    path = args.json or RESULTS / f"web-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "facts": info,
                "load_average_after": os.getloadavg(),
                "args": {k: str(v) for k, v in vars(args).items()},
                "results": [{**asdict(r), "cpu_ratio": r.cpu_ratio} for r in results],
                "throughput": asdict(load) if load is not None else None,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nwritten to {path}")
    raw.close()
    app.engine.dispose()
    return 0 if all(r.passed is not False or r.informational for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
