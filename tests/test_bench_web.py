"""The web benchmark runs end to end on a tiny SQLite dataset (a smoke test, not a timed one).

It loads a few hundred customers with the generator, then runs `bench/web.py` with a couple
of rounds per page (which also checks that the web and the ceiling show the same customers),
and a one-second throughput run under uvicorn with the built-in load client (so that wrk need
not be installed); it checks the JSON written: one row per measured page with both sides
timed, and real requests served under load.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `bench` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import generate, web  # noqa: E402

PAGES = [
    "list page (admin)",
    "list page (admin, zh_CN)",
    "next page (admin)",
    "filtered page (admin)",
    "list page (rep)",
    "next page (rep)",
    "filtered page (rep)",
    "360 page (admin)",
    "360 page (busy)",
    "360 page (rep)",
    "search page 'li'",
]


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"
    generate.main(
        [
            "--url",
            url,
            "--customers",
            "300",
            "--activities",
            "1500",
            "--teams",
            "2",
            "--reps",
            "4",
            "--fresh",
        ]
    )
    return url


def sessions_left(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM web_session")).scalar()
    engine.dispose()
    return int(count or 0)


def test_the_web_benchmark_reports_every_page(
    tiny_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "web.json"
    code = web.main(
        [
            "--url",
            tiny_db,
            "--repeat",
            "2",
            "--warmup",
            "0",
            "--pages",
            "2",
            "--search",
            "li",
            "--seconds",
            "0",
            "--json",
            str(out),
        ]
    )
    assert code in {0, 1}  # 1 = a target missed; timings on a busy test machine mean nothing
    report = json.loads(out.read_text())
    rows = {r["name"]: r for r in report["results"]}
    assert list(rows) == PAGES
    for row in rows.values():
        assert row["rounds"] == 2
        assert row["web_median"] > 0 and row["ceiling_median"] > 0
        assert row["web_cpu"] > 0 and row["ceiling_cpu"] > 0
        assert row["web_bytes"] > 1000 and row["ceiling_bytes"] > 1000
    assert "pages 2..3" in rows["next page (admin)"]["note"]
    assert report["throughput"] is None
    printed = capsys.readouterr().out
    for name in PAGES:
        assert name in printed
    assert sessions_left(tiny_db) == 0  # the sessions it signed in with are ended


def test_the_throughput_run_serves_the_list_page_under_uvicorn(
    tiny_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "load.json"
    web.main(
        [
            "--url",
            tiny_db,
            "--only",
            "no such page",
            "--seconds",
            "1",
            "--workers",
            "1",
            "--connections",
            "2",
            "--client",
            "python",
            "--json",
            str(out),
        ]
    )
    load = json.loads(out.read_text())["throughput"]
    assert load["workers"] == 1 and load["client"] == "httpx threads"
    assert load["requests"] > 0 and load["errors"] == 0 and load["rps"] > 0
    assert 0 < load["p50"] <= load["p99"]
    assert "req/s" in capsys.readouterr().out
    assert sessions_left(tiny_db) == 0


def test_the_pages_are_compared_by_the_customers_they_show() -> None:
    page = (
        '<a href="/customers/12">A</a><a href="/customers/12">edit</a>'
        '<a href="/customers/7">B</a><a href="/customers/new">+</a>'
        '<a href="/customers?q=&amp;cursor=abc%3D">Next page</a>'
    )
    assert web.customer_ids(page) == [12, 7]
    assert web.next_link(page) == "/customers?q=&cursor=abc%3D"
    ok = web.Hit(200, page.encode(), 1.0)
    assert web.same_list(ok, web.Hit(200, b"", 1.0, [{"id": 12}, {"id": 7}])) is None
    assert web.same_list(ok, web.Hit(200, b"", 1.0, [{"id": 7}, {"id": 12}])) is not None
    assert web.same_list(web.Hit(500, b"", 1.0), web.Hit(200, b"", 1.0, [])) is not None
