"""The headers every page carries: security headers, no caching, the pending CSRF cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Client = Any


def test_a_page_carries_the_security_headers_and_is_never_cached(
    signed_in: Callable[..., Client],
) -> None:
    client = signed_in("rep1")
    response = client.get("/customers")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_error_page_is_not_cached_either(signed_in: Callable[..., Client]) -> None:
    client = signed_in("rep1")
    response = client.get("/customers/999999")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_new_visitor_gets_a_csrf_cookie_once(client: Client) -> None:
    first = client.get("/login")
    assert first.status_code == 200
    assert first.headers["set-cookie"].startswith("guanxi_csrf=")
    assert first.headers["cache-control"] == "no-store"
    again = client.get("/login")
    assert "set-cookie" not in again.headers


def test_a_static_file_is_cacheable_and_still_protected(client: Client) -> None:
    response = client.get("/static/web/web.css")
    assert response.status_code == 200
    assert (
        "cache-control" not in response.headers
        or "no-store" not in response.headers["cache-control"]
    )
    assert "set-cookie" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
