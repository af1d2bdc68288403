from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest


def test_security_headers_on_every_response(client: Any) -> None:
    for path in ("/login", "/static/web/htmx.min.js", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_scripts(signed_in: Callable[..., Any]) -> None:
    client = signed_in("rep1")
    for path in ("/login", "/customers"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)
    assert 'name="viewport"' in client.get("/customers").text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"username": "a", "password": "b"}),
        ("/logout", {}),
        ("/locale", {"locale": "zh_CN"}),
    ],
)
@pytest.mark.parametrize("token", [None, "", "forged"])
def test_unsafe_requests_without_the_session_token_get_403(
    signed_in: Callable[..., Any], path: str, data: dict[str, str], token: str | None
) -> None:
    client = signed_in("rep1")
    if token is not None:
        data = {**data, "csrf_token": token}
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/customers").status_code == 200  # still signed in


def test_anonymous_token_does_not_work_for_a_session(
    client: Any, csrf: Callable[..., str], login: Callable[..., Any], user: Callable[..., Any]
) -> None:
    anonymous = csrf(client)
    user("rep1")
    login(client, "rep1")
    response = client.post("/logout", data={"csrf_token": anonymous}, follow_redirects=False)
    assert response.status_code == 403


def test_htmx_header_token_is_accepted(
    signed_in: Callable[..., Any], csrf: Callable[..., str]
) -> None:
    client = signed_in("rep1")
    token = csrf(client, "/customers")
    assert f'"X-CSRF-Token": "{token}"' in client.get("/customers").text
    response = client.post(
        "/locale",
        data={"locale": "zh_CN"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_language_switch_and_accept_language(
    signed_in: Callable[..., Any], csrf: Callable[..., str], client: Any
) -> None:
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert ">Sign in<" in client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"}).text
    rep = signed_in("rep1")
    assert ">Customers<" in rep.get("/customers").text
    token = csrf(rep, "/customers")
    rep.post("/locale", data={"locale": "zh_CN", "csrf_token": token, "next": "/customers"})
    assert "客户" in rep.get("/customers").text


def test_anonymous_language_switch_uses_a_cookie(client: Any, csrf: Callable[..., str]) -> None:
    token = csrf(client)
    client.post("/locale", data={"locale": "zh_CN", "csrf_token": token, "next": "/login"})
    assert "用户名" in client.get("/login").text


def test_vendored_htmx_matches_its_recorded_checksum() -> None:
    static = Path(str(files("guanxi_web") / "static"))
    digest = hashlib.sha256((static / "htmx.min.js").read_bytes()).hexdigest()
    assert digest in (static / "VENDORED.md").read_text()
