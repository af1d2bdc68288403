"""The timeline in Chromium: logging from the customer page, scrolling, workflow buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from guanxi_core import App
from guanxi_core.testing import make_actor

from .conftest import playwright_api
from .test_journeys import sign_in

expect = playwright_api.expect


def seed(app: App) -> dict[str, int]:
    rep = make_actor(app, "li", team="north")
    ctx = app.context(rep)
    chen = ctx.customers.create({"name": "Chen Jing"})
    ctx.activities.create(
        {"kind": "core.note", "customer_id": chen.id, "subject": "Met at the trade fair"}
    )
    task = ctx.activities.create(
        {"kind": "core.task", "customer_id": chen.id, "subject": "Send the quote"}
    )
    return {"chen": chen.id, "task": task.id}


def test_rep_logs_an_activity_from_the_customer_page_and_sees_it_in_the_timeline(
    core_app: App, live_url: str, page: Any
) -> None:
    ids = seed(core_app)
    sign_in(page, live_url, "li")
    page.goto(f"{live_url}/customers/{ids['chen']}")
    timeline = page.locator(f"#timeline-items-{ids['chen']}")
    expect(timeline.get_by_text("Met at the trade fair")).to_be_visible()

    page.get_by_role("link", name="Call", exact=True).click()
    form = page.locator(f"#log-{ids['chen']}")
    expect(form.get_by_label("Subject")).to_be_focused()  # the form has settled
    form.get_by_label("Subject").fill("Discussed the contract")
    form.get_by_label("Details").fill("Wants delivery in May")
    form.get_by_label("Kind").select_option("core.visit")  # the form follows the kind...
    expect(form.get_by_label("Kind")).to_have_value("core.visit")
    # the form is re-drawn for the new kind (Save waits for it, disabled meanwhile)
    expect(form.locator("input[type=hidden][name=kind]")).to_have_value("core.visit")
    expect(form.get_by_label("Subject")).to_have_value("Discussed the contract")  # ...kept
    expect(form.get_by_label("Details")).to_have_value("Wants delivery in May")
    form.get_by_role("button", name="Save").click()

    expect(form.get_by_role("status")).to_have_text("Visit logged.")
    expect(form.get_by_label("Subject")).to_have_count(0)  # the form closed
    first = timeline.locator("li.activity").first
    expect(first).to_contain_text("Discussed the contract")
    expect(first).to_contain_text("Visit")
    page.reload()
    expect(timeline.locator("li.activity").first).to_contain_text("Discussed the contract")


def test_a_refused_log_shows_the_message_next_to_the_field(
    core_app: App, live_url: str, page: Any
) -> None:
    ids = seed(core_app)
    sign_in(page, live_url, "li")
    page.goto(f"{live_url}/customers/{ids['chen']}")
    page.get_by_role("link", name="Note", exact=True).click()
    form = page.locator(f"#log-{ids['chen']}")
    # htmx focuses the autofocus field once the form settles: wait, or typing lands there
    expect(form.get_by_label("Subject")).to_be_focused()
    form.get_by_label("Details").fill("Only details, no subject")
    form.get_by_role("button", name="Save").click()
    expect(form.locator(".field-error")).to_have_text("This field is required.")
    expect(form.get_by_label("Details")).to_have_value("Only details, no subject")
    expect(form.get_by_label("Subject")).to_have_attribute("aria-invalid", "true")


def test_rep_completes_a_task_and_the_entry_shows_the_new_state(
    core_app: App, live_url: str, page: Any
) -> None:
    ids = seed(core_app)
    sign_in(page, live_url, "li")
    page.goto(f"{live_url}/customers/{ids['chen']}")
    entry = page.locator(f"#activity-{ids['task']}")
    expect(entry.locator(".state")).to_have_text("Open")
    entry.get_by_role("button", name="Mark done").click()
    expect(entry.locator(".state")).to_have_text("Done")
    expect(entry.get_by_role("button", name="Reopen")).to_be_visible()
    rep = core_app.actor_by_username("li")
    assert core_app.context(rep).activities.get(ids["task"])["state"] == "done"

    # Someone else reopens it meanwhile: the stale button explains instead of failing.
    core_app.context(rep).activities.transition(ids["task"], "reopen")
    entry.get_by_role("button", name="Reopen").click()
    expect(entry.get_by_role("alert")).to_contain_text("Someone else changed this activity")
    expect(entry.locator(".state")).to_have_text("Open")


def test_the_timeline_loads_older_entries_when_scrolled(
    core_app: App, live_url: str, page: Any
) -> None:
    ids = seed(core_app)
    rep = core_app.actor_by_username("li")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ctx = core_app.context(rep)
    for n in range(40):
        ctx.activities.create(
            {
                "kind": "core.call",
                "customer_id": ids["chen"],
                "subject": f"Old call {n}",
                "occurred_at": start + timedelta(days=n),
            }
        )
    sign_in(page, live_url, "li")
    page.goto(f"{live_url}/customers/{ids['chen']}")
    entries = page.locator(f"#timeline-items-{ids['chen']} li.activity")
    expect(entries).to_have_count(20)
    for _round in range(5):
        more = page.locator("li.more")
        if more.count() == 0:
            break
        more.first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    expect(entries).to_have_count(42)
    expect(entries.last).to_contain_text("Old call 0")
    page.get_by_label("Show").select_option("core.task")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Send the quote")
