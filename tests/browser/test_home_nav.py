"""Home and the main navigation in Chromium: usable on a phone, keyboard-reachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from guanxi_core import App
from guanxi_core.testing import TEST_PASSWORD, make_actor

from .conftest import playwright_api

expect = playwright_api.expect


def test_home_on_a_phone_shows_my_tasks_and_the_nav_never_widens_the_page(
    core_app: App, live_url: str, page: Any
) -> None:
    rep = make_actor(core_app, "li")
    ctx = core_app.context(rep)
    chen = ctx.customers.create({"name": "Chen Jing"})
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    ctx.activities.create(
        {"kind": "core.task", "customer_id": chen.id, "subject": "Call back", "due_at": yesterday}
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_url}/")
    page.get_by_label("User name").fill("li")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_url}/")
    expect(page.get_by_role("heading", name="My open tasks")).to_be_visible()
    expect(page.get_by_text("Overdue")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px screen"
    box = nav.get_by_role("link", name="Customers").bounding_box()
    assert box is not None and box["height"] >= 44  # a touch-size target
    nav.get_by_role("link", name="Customers").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(nav.get_by_role("link", name="Customers")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Home").click()
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("heading", name="Chen Jing")).to_be_visible()
    page.goto(f"{live_url}/")
    expect(page.get_by_text("No open tasks.")).to_be_visible()
