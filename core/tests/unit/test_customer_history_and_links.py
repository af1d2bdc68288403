"""Unlinking a person from an organization, and the paged customer history."""

from __future__ import annotations

import pytest

from guanxi_core import App, NotFoundError
from guanxi_core.access import Actor
from guanxi_core.testing import make_actor


def test_unaffiliate_removes_the_link_and_writes_the_audit(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    person = customers.create({"name": "Dr Li"})
    org = customers.create({"name": "Union Hospital", "kind": "organization"})
    customers.affiliate(person.id, org.id, title="Cardiologist")
    assert customers.unaffiliate(person.id, org.id) is True
    assert customers.view360(person.id).organizations == []
    assert customers.view360(org.id).members == []
    latest = customers.history(person.id)[0]
    assert latest.action == "unaffiliate"
    assert latest.changes == {"organization_id": [org.id, None], "title": ["Cardiologist", None]}
    assert customers.unaffiliate(person.id, org.id) is False  # nothing left to remove
    assert customers.history(person.id)[0].id == latest.id


def test_unaffiliate_needs_both_customers_visible(app: App) -> None:
    mine, theirs = make_actor(app, "rep1"), make_actor(app, "rep2")
    person = app.context(mine).customers.create({"name": "Dr Li"})
    org = app.context(theirs).customers.create({"name": "Theirs", "kind": "organization"})
    with pytest.raises(NotFoundError):
        app.context(mine).customers.unaffiliate(person.id, org.id)


def test_history_pages_go_from_newest_to_oldest_without_gaps(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    record = customers.create({"name": "v0"})
    for number in range(1, 6):
        record = customers.update(record.id, {"name": f"v{number}"}, version=record.version)
    seen: list[str] = []
    before: int | None = None
    pages = 0
    while True:
        entries, before = customers.history_page(record.id, limit=2, before=before)
        pages += 1
        seen += [str(e.changes["name"][1]) for e in entries]
        if before is None:
            break
    assert seen == ["v5", "v4", "v3", "v2", "v1", "v0"]
    assert pages == 3


def test_history_of_an_invisible_customer_is_not_found(app: App) -> None:
    theirs = make_actor(app, "rep2")
    record = app.context(theirs).customers.create({"name": "Theirs"})
    with pytest.raises(NotFoundError):
        app.context(make_actor(app, "rep1")).customers.history_page(record.id)
