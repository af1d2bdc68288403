from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from guanxi_core import App
from guanxi_core.models import utcnow
from guanxi_core.testing import TEST_PASSWORD
from guanxi_web import WebSettings
from guanxi_web.tables import web_login_attempt, web_session

Client = Any


def sessions(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(web_session)).scalar_one())


def test_anonymous_visitor_is_sent_to_login(login: Any, csrf: Any, client: Client) -> None:
    response = client.get("/customers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/customers"


def test_sign_in_stores_a_session_and_sets_safe_cookie_flags(
    login: Any, csrf: Any, client: Client, user: Callable[..., object], app: App
) -> None:
    user("rep1")
    response = login(client, "rep1")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("guanxi_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert sessions(app) == 1
    assert client.get("/customers").status_code == 200


@pytest.mark.parametrize("web_settings", [WebSettings(secure_cookies=True)])
def test_secure_setting_marks_cookies_secure_with_host_prefix(
    login: Any, csrf: Any, make_client: Callable[..., Client], user: Callable[..., object]
) -> None:
    user("rep1")
    client = make_client(base_url="https://testserver.local")
    response = login(client, "rep1")
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-guanxi_session=") and "Secure" in cookie


def test_wrong_password_is_refused_in_the_users_language(
    login: Any, csrf: Any, client: Client, user: Callable[..., object]
) -> None:
    user("rep1")
    response = login(client, "rep1", "wrong password")
    assert response.status_code == 400
    assert "Wrong user name or password." in response.text
    client.headers["accept-language"] = "zh-CN,zh;q=0.9,en;q=0.5"
    response = login(client, "rep1", "wrong password")
    assert "用户名或密码错误。" in response.text


def test_session_id_is_rotated_at_login(
    login: Any, csrf: Any, client: Client, user: Callable[..., object], app: App
) -> None:
    user("rep1")
    first = login(client, "rep1").cookies["guanxi_session"]
    token = csrf(client, "/customers")
    client.post(
        "/login",
        data={"username": "rep1", "password": TEST_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    second = client.cookies["guanxi_session"]
    assert first != second
    assert sessions(app) == 1


def test_sign_out_ends_the_session(
    login: Any, csrf: Any, signed_in: Callable[..., Client], app: App
) -> None:
    client = signed_in("rep1")
    token = csrf(client, "/customers")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert sessions(app) == 0
    assert client.get("/customers", follow_redirects=False).status_code == 303


def test_idle_session_expires(
    login: Any, csrf: Any, signed_in: Callable[..., Client], app: App
) -> None:
    client = signed_in("rep1")
    with app.engine.begin() as connection:
        connection.execute(update(web_session).values(last_seen_at=utcnow() - timedelta(hours=9)))
    assert client.get("/customers", follow_redirects=False).status_code == 303
    assert sessions(app) == 0


def test_repeated_failures_are_throttled_per_user_and_address(
    login: Any, csrf: Any, client: Client, user: Callable[..., object], app: App
) -> None:
    user("rep1")
    for _ in range(5):
        assert login(client, "rep1", "nope").status_code == 400
    response = login(client, "rep1")  # even the right password
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    with app.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(web_login_attempt)).scalar()
    assert count == 5


def test_success_clears_earlier_failures(
    login: Any, csrf: Any, client: Client, user: Callable[..., object], app: App
) -> None:
    user("rep1")
    for _ in range(4):
        login(client, "rep1", "nope")
    assert login(client, "rep1").status_code == 303
    with app.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(web_login_attempt)).scalar() == 0


def test_next_never_leaves_the_site(
    login: Any, csrf: Any, client: Client, user: Callable[..., object]
) -> None:
    user("rep1")
    token = csrf(client)
    response = client.post(
        "/login",
        data={
            "username": "rep1",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
