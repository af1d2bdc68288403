from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from litestar import Litestar
from typer.testing import CliRunner

from guanxi_core import Settings
from guanxi_core.cli import Runtime, build_cli
from guanxi_core.testing import TestDatabase, build_app
from guanxi_web import plugin


def run(url: str, *args: str) -> Any:
    runtime = Runtime(Settings(database_url=url))
    try:
        return CliRunner().invoke(build_cli(runtime), list(args), catch_exceptions=False)
    finally:
        runtime.close()


def test_serve_refuses_a_database_that_is_behind(test_db: TestDatabase) -> None:
    url = test_db.fresh_url()  # the core is migrated, the web's tables are not
    result = run(url, "serve")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "guanxi db upgrade" in lines[0] and "web" in lines[0]


def test_serve_runs_uvicorn_on_the_given_address(
    test_db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = test_db.fresh_url()
    build_app(url, [plugin]).engine.dispose()
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    result = run(url, "serve", "--host", "0.0.0.0", "--port", "8123")
    assert result.exit_code == 0, result.output
    target, options = calls[0]
    assert isinstance(target, Litestar)
    assert options["host"] == "0.0.0.0" and options["port"] == 8123
    run(url, "serve", "--workers", "2")
    target, options = calls[1]
    assert target == "guanxi_web.asgi:create_asgi_app" and options["factory"] is True
    assert options["workers"] == 2
