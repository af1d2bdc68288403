"""Editing a customer on its 360° page, in Chromium: errors beside the field, then a save."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi_core import App
from guanxi_core.testing import make_actor

from .conftest import playwright_api
from .test_journeys import sign_in

expect = playwright_api.expect

MESSAGES = {
    "edit": "Edit",
    "details": "Details",
    "emails": "E-mails",
    "save": "Save",
    "bad_email": "Enter valid e-mail addresses.",
    "changed": "Changed fields",
}


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_a_refused_value_is_explained_beside_the_field_then_a_good_one_is_saved(
    core_app: App, live_url: str, page: Any, locale: str
) -> None:
    texts = {key: core_app.translator.gettext(m, locale) for key, m in MESSAGES.items()}
    rep = make_actor(core_app, "li")
    chen = core_app.context(rep).customers.create({"name": "Chen Jing", "address": "1 Main St"})
    sign_in(page, live_url, "li")
    if locale == "zh_CN":
        page.get_by_role("button", name="中文").click()
    page.goto(f"{live_url}/customers/{chen.id}")
    expect(page.get_by_role("heading", name="Chen Jing", level=1)).to_be_visible()

    page.get_by_role(
        "link", name=f"{texts['edit']}: {texts['details']}"
    ).click()  # htmx swaps the panel for its form
    # htmx focuses the form's first field once it settles: wait, or typing could land there
    expect(page.locator("#panel-core form :focus")).to_have_count(1)
    emails = page.get_by_label(texts["emails"])
    emails.fill("not-an-email")
    page.get_by_role("button", name=texts["save"]).click()

    error = page.locator("#p-core-emails-error")
    expect(error).to_have_text(texts["bad_email"])
    emails = page.get_by_label(texts["emails"])
    expect(emails).to_have_attribute("aria-invalid", "true")
    expect(emails).to_have_attribute("aria-describedby", "p-core-emails-help p-core-emails-error")
    expect(emails).to_have_value("not-an-email")  # the input is kept
    expect(emails).to_be_focused()
    assert core_app.context(rep).customers.get(chen.id)["emails"] == []

    emails.fill("chen@example.cn")
    page.get_by_role("button", name=texts["save"]).click()
    panel = page.locator("#panel-core")
    expect(panel.locator("form")).to_have_count(0)
    expect(panel).to_contain_text("chen@example.cn")
    # the key facts were refreshed with the panel: the address is a mailto: link now
    expect(page.locator('#customer-facts a[href="mailto:chen@example.cn"]')).to_be_visible()
    assert core_app.context(rep).customers.get(chen.id)["emails"] == ["chen@example.cn"]

    history = page.locator("#customer-history")
    history.scroll_into_view_if_needed()  # the history loads when revealed
    expect(history.locator(".history")).to_contain_text(texts["changed"])
    expect(history.locator(".history")).to_contain_text("chen@example.cn")
