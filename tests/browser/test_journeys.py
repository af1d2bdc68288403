"""The main journeys, driven in Chromium against a live server: what the user sees."""

from __future__ import annotations

from typing import Any

from guanxi_core import App
from guanxi_core.testing import TEST_PASSWORD, make_actor

from .conftest import playwright_api

expect = playwright_api.expect


def seed(app: App) -> dict[str, int]:
    rep = make_actor(app, "li", team="north")
    other = make_actor(app, "wang", team="north")
    ctx = app.context(rep)
    chen = ctx.customers.create({"name": "Chen Jing", "phones": ["13800138000"]})
    ctx.customers.create({"name": "Zhou Min"})
    ctx.activities.create(
        {"kind": "core.call", "customer_id": chen.id, "subject": "Asked for the price list"}
    )
    hidden = app.context(other).customers.create({"name": "Secret Client"})
    return {"chen": chen.id, "hidden": hidden.id}


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/customers")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_rep_signs_in_searches_opens_a_customer_switches_language_and_signs_out(
    core_app: App, live_url: str, page: Any
) -> None:
    ids = seed(core_app)
    sign_in(page, live_url, "li")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.get_by_text("Chen Jing")).to_be_visible()
    expect(page.get_by_text("Zhou Min")).to_be_visible()
    expect(page.get_by_text("Secret Client")).to_have_count(0)

    page.get_by_role("searchbox").fill("1380013")  # live search, debounced by htmx
    expect(page.get_by_text("Zhou Min")).to_have_count(0)
    expect(page.get_by_text("Chen Jing")).to_be_visible()

    page.get_by_role("link", name="Chen Jing").click()
    expect(page.get_by_role("heading", name="Chen Jing")).to_be_visible()
    expect(page.get_by_text("Asked for the price list")).to_be_visible()

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="时间线")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    page.goto(f"{live_url}/customers/{ids['hidden']}")
    expect(page.get_by_text("Secret Client")).to_have_count(0)

    page.get_by_role("button", name="退出登录").click()
    # signed out, the sign-in page keeps the language chosen
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.goto(f"{live_url}/customers")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_text("Chen Jing")).to_have_count(0)


def test_wrong_password_shows_an_error_and_keeps_the_user_name(
    core_app: App, live_url: str, page: Any
) -> None:
    make_actor(core_app, "li")
    page.goto(f"{live_url}/login")
    page.get_by_label("User name").fill("li")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("User name")).to_have_value("li")
