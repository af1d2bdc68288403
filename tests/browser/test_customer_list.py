"""The customers list in Chromium: filters, sorting, more rows, bulk tags, saved views, history."""

from __future__ import annotations

import re
from typing import Any

from guanxi_core import App
from guanxi_core.testing import make_actor

from .conftest import playwright_api
from .test_journeys import sign_in

expect = playwright_api.expect


def seed(app: App) -> None:
    rep = make_actor(app, "li", team="north")
    customers = app.context(rep).customers
    for i in range(60):
        customers.create({"name": f"Org {i:02}", "kind": "organization"})
    for name in ("Chen Jing", "Zhou Min"):
        customers.create({"name": name})
    other = make_actor(app, "wang", team="north")
    app.context(other).customers.create({"name": "Org Secret", "kind": "organization"})


def rows(page: Any) -> Any:
    return page.locator("#results tbody th[scope=row]")


def test_rep_filters_sorts_loads_more_tags_and_saves_a_view(
    core_app: App, live_url: str, page: Any
) -> None:
    seed(core_app)
    sign_in(page, live_url, "li")
    expect(rows(page)).to_have_count(50)  # the first page, then "Load more"

    page.get_by_text("Filters", exact=True).click()
    kind = page.get_by_role("combobox", name="Type", exact=True)
    kind.select_option("person")  # htmx on change: no button to press
    expect(rows(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"f\.kind=person"))
    kind.select_option("organization")
    expect(rows(page)).to_have_count(50)

    page.get_by_role("link", name="Name").click()  # sort by name, A to Z
    expect(page.locator("th[aria-sort=ascending]")).to_have_count(1)
    expect(rows(page).first).to_have_text("Org 00")
    page.get_by_role("link", name="Name").click()  # and Z to A
    expect(page.locator("th[aria-sort=descending]")).to_have_count(1)
    expect(rows(page).first).to_have_text("Org 59")
    expect(page).to_have_url(re.compile(r"sort=-name"))

    page.get_by_role("link", name="Load more").click()
    expect(rows(page)).to_have_count(60)  # appended, still filtered and sorted
    expect(rows(page).last).to_have_text("Org 00")
    expect(page.get_by_text("Org Secret")).to_have_count(0)

    page.get_by_text("Change the selected customers").click()
    page.get_by_label("Select Org 59").check()
    page.get_by_label("Select Org 58").check()
    page.get_by_label("Tag to add or remove").fill("VIP")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("status")).to_have_text("2 customers tagged “VIP”.")

    page.get_by_text("Save, rename or delete views").click()
    page.get_by_label("Save this list as").fill("Orgs Z-A")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("link", name="Orgs Z-A")).to_be_visible()

    page.get_by_role("searchbox").fill("59")  # live search within the filters
    expect(rows(page)).to_have_count(1)
    page.go_back()  # the list as it was before the search
    expect(rows(page)).to_have_count(50)
    expect(rows(page).first).to_have_text("Org 59")

    page.goto(f"{live_url}/customers")
    expect(rows(page)).to_have_count(50)
    page.get_by_role("link", name="Orgs Z-A").click()
    expect(rows(page).first).to_have_text("Org 59")
    expect(page.locator("#results")).to_contain_text("VIP")


def test_on_a_phone_rows_stack_with_the_name_first(core_app: App, live_url: str, page: Any) -> None:
    seed(core_app)
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_url, "li")
    name = page.get_by_role("link", name="Chen Jing")
    expect(name).to_be_visible()
    box = name.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375  # no sideways scrolling needed
    expect(page.locator("#results thead")).to_be_hidden()
