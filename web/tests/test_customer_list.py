"""The customers list: registry filters and columns, sort, keyset pages, tags, bulk changes,
saved views; what a user sees, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select, update
from sqlmodel import Session

from guanxi_core import App, CustomerExtension, Field, Plugin, _
from guanxi_core.models import AuditEntry, Customer
from guanxi_core.testing import TestDatabase, build_app, make_actor
from guanxi_web import plugin as web_plugin
from guanxi_web.tables import web_saved_view

XSS = '<script>alert(1)</script><img src=x onerror=alert(2) hx-get="/logout">'
ROW = re.compile(r'<th scope="row"[^>]*><a href="/customers/(\d+)">(.*?)</a>')


def make_loyalty_plugin() -> Plugin:
    """A plugin with a filterable field of each type, as a vendor would declare them."""
    loyalty = Plugin("loyalty", _("Loyalty"), requires_core=">=0.1")

    class Member(CustomerExtension, plugin=loyalty):
        tier: Literal["bronze", "gold"] | None = Field(
            None, label=_("Tier"), filterable=True, sortable=True, list_column=True
        )
        active: bool | None = Field(None, label=_("Active member"), filterable=True)
        points: int | None = Field(
            None, label=_("Points"), filterable=True, sortable=True, list_column=True
        )
        joined: date | None = Field(None, label=_("Joined"), filterable=True)
        card: str | None = Field(None, label=_("Card number"), filterable=True, max_length=20)

    return loyalty


@pytest.fixture
def app(test_db: TestDatabase) -> Iterator[App]:
    core_app = build_app(test_db.fresh_url(), [web_plugin, make_loyalty_plugin()])
    yield core_app
    core_app.engine.dispose()


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text[:500]
    return [html.unescape(name) for _id, name in ROW.findall(response.text)]


def ids_in(response: Any) -> list[int]:
    return [int(i) for i, _name in ROW.findall(response.text)]


def token_of(client: Any) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/customers").text)
    assert found
    return found.group(1)


def created(app: App, actor: Any, name: str, **values: Any) -> int:
    return app.context(actor).customers.create({"name": name, **values}).id


def set_created_at(app: App, customer_id: int, when: datetime) -> None:
    with Session(app.engine) as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == customer_id).values(created_at=when)  # type: ignore[arg-type]
        )


def audit_of(app: App, customer_id: int) -> list[tuple[str, dict[str, Any]]]:
    with Session(app.engine) as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id)  # type: ignore[arg-type]
            .order_by(AuditEntry.id)  # type: ignore[arg-type]
        ).all()
        return [(r.action, r.changes) for r in rows]


# -- filters ---------------------------------------------------------------------------------
@pytest.fixture
def shop(app: App, user: Callable[..., Any]) -> dict[str, Any]:
    """An admin's customers with a value of every filterable type, and two users and teams."""
    admin = user("boss", roles=("admin",), team="north")
    rep = user("li", team="south")
    ctx = app.context(admin)
    made = {
        "Ada": created(
            app,
            admin,
            "Ada",
            kind="person",
            source="fair",
            **{"loyalty.tier": "gold", "loyalty.active": True, "loyalty.points": 500},
            **{"loyalty.joined": "2024-01-15", "loyalty.card": "C-1"},
        ),
        "Bolt Ltd": created(
            app,
            admin,
            "Bolt Ltd",
            kind="organization",
            source="web",
            **{"loyalty.tier": "bronze", "loyalty.active": False, "loyalty.points": 50},
            **{"loyalty.joined": "2025-06-01"},
        ),
        "Chen": created(app, admin, "Chen", owner_id=rep.id, team_id=rep.team_id),
    }
    ctx.customers.tag(made["Chen"], ["VIP"])
    ctx.customers.tag(made["Ada"], ["KOL"])
    set_created_at(app, made["Ada"], datetime(2025, 3, 1, 10, tzinfo=UTC))
    set_created_at(app, made["Bolt Ltd"], datetime(2025, 3, 2, 23, 59, tzinfo=UTC))
    set_created_at(app, made["Chen"], datetime(2025, 3, 3, 0, 0, tzinfo=UTC))
    return {"admin": admin, "rep": rep, **made}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Ada", "Bolt Ltd", "Chen"]),
        ("f.kind=organization", ["Bolt Ltd"]),  # core choice
        ("f.owner_id={rep}", ["Chen"]),  # reference to a user
        ("f.owner_id={admin}", ["Ada", "Bolt Ltd"]),
        ("f.team_id={south}", ["Chen"]),  # reference to a team
        ("f.team_id=none", []),
        ("f.source=fair", ["Ada"]),  # core text: equals
        ("from.created_at=2025-03-02", ["Bolt Ltd", "Chen"]),  # date-time from a day on
        ("to.created_at=2025-03-02", ["Ada", "Bolt Ltd"]),  # ... up to the end of that day
        ("from.created_at=2025-03-02&to.created_at=2025-03-02", ["Bolt Ltd"]),
        ("tag=VIP", ["Chen"]),  # tags
        ("f.loyalty.tier=gold", ["Ada"]),  # plugin choice
        ("f.loyalty.active=no", ["Bolt Ltd"]),  # plugin yes/no
        ("f.loyalty.active=yes", ["Ada"]),
        ("from.loyalty.points=100", ["Ada"]),  # plugin number range
        ("to.loyalty.points=100", ["Bolt Ltd"]),
        ("from.loyalty.joined=2025-01-01", ["Bolt Ltd"]),  # plugin date range
        ("f.loyalty.card=C-1", ["Ada"]),  # plugin text
        ("q=bolt", ["Bolt Ltd"]),  # search ...
        ("q=a&f.kind=person", ["Ada"]),  # ... combined with filters
        ("q=a&tag=KOL&f.loyalty.tier=gold", ["Ada"]),
        ("q=chen&tag=KOL", []),
    ],
)
def test_each_filter_type_narrows_the_list(
    app: App, shop: dict[str, Any], signed_in: Callable[..., Any], query: str, expected: list[str]
) -> None:
    client = signed_in("viewer", roles=("admin",))
    teams = {"south": shop["rep"].team_id}
    url = "/customers?sort=name&" + query.format(
        rep=shop["rep"].id, admin=shop["admin"].id, **teams
    )
    assert names(client.get(url)) == expected
    assert names(client.get(url, headers={"HX-Request": "true"})) == expected


def test_filters_are_generated_from_the_registry_with_fitting_controls(
    app: App, shop: dict[str, Any], signed_in: Callable[..., Any]
) -> None:
    page = signed_in("viewer", roles=("admin",)).get("/customers").text
    assert '<select id="filter-kind-1" name="f.kind"' in page
    assert '<option value="organization">Organization</option>' in page
    assert '<select id="filter-owner_id-1" name="f.owner_id"' in page
    assert f'<option value="{shop["rep"].id}">li</option>' in page  # users by name
    assert '<select id="filter-team_id-1" name="f.team_id"' in page
    assert '<option value="VIP">VIP</option>' in page  # the tag picker
    assert 'type="date" name="from.created_at"' in page and 'name="to.created_at"' in page
    assert '<select id="filter-loyalty-tier-1" name="f.loyalty.tier"' in page  # plugin choice
    assert '<option value="yes">Yes</option>' in page  # plugin yes/no
    assert 'type="number" name="from.loyalty.points"' in page  # plugin number range
    assert 'type="date" name="to.loyalty.joined"' in page  # plugin date range
    assert 'type="text" name="f.loyalty.card"' in page  # plugin text
    # plugin list columns show by default; the chooser offers every field
    assert re.search(r'<th scope="col"[^>]*>\s*<a [^>]*>Points', page)
    assert 'name="cols" value="loyalty.card">' in page
    assert '<td data-label="Tier">gold</td>' in page


def test_a_rep_sees_only_their_customers_whatever_the_filter(
    app: App, shop: dict[str, Any], login: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    client = make_client()
    assert login(client, "li").status_code == 303
    assert names(client.get("/customers")) == ["Chen"]
    assert names(client.get(f"/customers?f.owner_id={shop['admin'].id}")) == []
    assert names(client.get("/customers?tag=KOL")) == []  # Ada's tag; Ada is not li's


def test_columns_can_be_chosen_and_tags_are_shown(
    app: App, shop: dict[str, Any], signed_in: Callable[..., Any]
) -> None:
    client = signed_in("viewer", roles=("admin",))
    page = client.get("/customers?cols=source&cols=tags&sort=name").text
    headers = re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<]+)', page)
    assert [h.strip() for h in headers] == ["Name", "Source", "Tags"]
    assert '<td data-label="Source">fair</td>' in page
    assert "<li>VIP</li>" in page and "<li>KOL</li>" in page
    assert '<input type="checkbox" name="cols" value="source" checked>' in page
    assert '<input type="checkbox" name="cols" value="kind">' in page  # unchecked
    # the default columns again when the choice is not in the address
    default = client.get("/customers").text
    assert '<input type="checkbox" name="cols" value="kind" checked>' in default


# -- sorting and pages -------------------------------------------------------------------------
def test_sorting_by_a_column_both_ways_with_aria_sort(
    app: App, shop: dict[str, Any], signed_in: Callable[..., Any]
) -> None:
    client = signed_in("viewer", roles=("admin",))
    assert names(client.get("/customers?sort=name")) == ["Ada", "Bolt Ltd", "Chen"]
    assert names(client.get("/customers?sort=-name")) == ["Chen", "Bolt Ltd", "Ada"]
    assert names(client.get("/customers?sort=loyalty.points")) == ["Bolt Ltd", "Ada", "Chen"]
    assert names(client.get("/customers?sort=-loyalty.points")) == ["Ada", "Bolt Ltd", "Chen"]
    assert names(client.get("/customers?sort=created_at")) == ["Ada", "Bolt Ltd", "Chen"]
    page = client.get("/customers?sort=name&f.kind=person").text
    header = re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="([^"]+)"', page)
    assert header, "the sorted column says so"
    target = html.unescape(header.group(1))
    assert parse_qs(urlsplit(target).query) == {"sort": ["-name"], "f.kind": ["person"]}
    assert names(client.get(target)) == ["Chen", "Ada"]
    assert 'aria-sort="descending"' in client.get(target).text
    assert page.count("aria-sort=") == 1
    # a column not sortable has no link
    assert re.search(r'<th scope="col">\s*Type\s*</th>', page)


def test_load_more_keeps_filters_and_sort_and_never_repeats(
    app: App, user: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    admin = user("boss", roles=("admin",))
    ctx = app.context(admin)
    for i in range(120):
        kind = "organization" if i % 4 == 0 else "person"
        ctx.customers.create({"name": f"N{i:03}", "kind": kind, "loyalty.points": i % 7})
    client = signed_in("viewer", roles=("admin",))
    url: str | None = "/customers?f.kind=person&sort=-loyalty.points&q=n"
    seen: list[str] = []
    pages = 0
    while url:
        response = client.get(url)
        seen += names(response)
        pages += 1
        more = re.search(r'<a class="button" href="([^"]+)"', response.text)
        url = html.unescape(more.group(1)) if more else None
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["f.kind"] == ["person"] and query["sort"] == ["-loyalty.points"]
            assert query["q"] == ["n"] and "cursor" in query
    expected = sorted(
        (f"N{i:03}" for i in range(120) if i % 4),
        key=lambda name: (-(int(name[1:]) % 7), name),
    )
    assert pages == 2
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen)) == 90
    points = [int(n[1:]) % 7 for n in seen]
    assert points == sorted(points, reverse=True)


def test_htmx_load_more_gets_only_rows(
    app: App, user: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    admin = user("boss", roles=("admin",))
    for i in range(55):
        app.context(admin).customers.create({"name": f"N{i:03}"})
    client = signed_in("viewer", roles=("admin",))
    first = client.get("/customers?sort=name", headers={"HX-Request": "true"})
    assert first.text.lstrip().startswith('<div id="results"')
    assert first.headers["HX-Push-Url"] == "/customers?sort=name"
    more = html.unescape(re.search(r'hx-get="([^"]+cursor[^"]+)"', first.text).group(1))  # type: ignore[union-attr]
    rows = client.get(more, headers={"HX-Request": "true"})
    assert rows.text.lstrip().startswith("<tr>")
    assert "HX-Push-Url" not in rows.headers  # the address stays the list's
    assert names(rows) == [f"N{i:03}" for i in range(50, 55)]
    assert "Load more" not in rows.text


def test_a_page_reads_the_same_number_of_queries_for_5_or_50_rows(
    app: App, user: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    admin = user("boss", roles=("admin",), team="north")
    client = signed_in("viewer", roles=("admin",))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    def queries_for(n: int) -> int:
        ctx = app.context(admin)
        while len(ctx.customers.list(limit=500).items) < n:
            saved = ctx.customers.create({"name": "C", "loyalty.tier": "gold"})
            ctx.customers.tag(saved.id, ["VIP", "KOL"])
        statements.clear()
        event.listen(app.engine, "before_cursor_execute", count)
        try:
            response = client.get(
                "/customers?cols=owner_id&cols=team_id&cols=tags&cols=loyalty.tier"
            )
        finally:
            event.remove(app.engine, "before_cursor_execute", count)
        assert len(names(response)) == n
        return len(statements)

    assert queries_for(5) == queries_for(50)


# -- bad input -------------------------------------------------------------------------------
def cursor_of(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cursor=garbage!", "This page link is no longer valid"),
        ("cursor=" + cursor_of({"id": 10**30, "v": None}), "This page link is no longer valid"),
        ("cursor=" + cursor_of({"id": 1, "v": "not a date", "null": False}), "no longer valid"),
        ("sort=phones", "cannot be sorted by “phones”"),
        ("sort=-no_such_field", "cannot be sorted by"),
        ("sort=--name", "cannot be sorted by"),
        ("f.no_such=1", "cannot be filtered on “no_such”"),
        ("f.address=x", "cannot be filtered on “address”"),
        ("q=" + "x" * 201, "Enter at most 200 characters"),
    ],
)
def test_malformed_parameters_give_400_with_a_message(
    app: App, signed_in: Callable[..., Any], query: str, message: str
) -> None:
    client = signed_in("boss", roles=("admin",))
    app.context(app.actor_by_username("boss")).customers.create({"name": "Ada"})
    response = client.get("/customers?" + query)
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert "<html" in response.text and 'id="list-form"' in response.text  # still the page
    fragment = client.get("/customers?" + query, headers={"HX-Request": "true"})
    assert fragment.status_code == 200  # htmx swaps only 2xx: the message must show
    assert message in html.unescape(fragment.text) and "<html" not in fragment.text


@pytest.mark.parametrize(
    ("query", "control", "message"),
    [
        ("from.created_at=2025-13-45", "filter-created_at", "Enter a date as YYYY-MM-DD."),
        ("to.created_at=9999-12-31", "filter-created_at", ""),  # the last day is fine
        ("from.created_at=2025-03-02&to.created_at=2025-03-01", "filter-created_at", "before"),
        ("from.loyalty.points=lots", "filter-loyalty-points", "Enter a whole number."),
        ("to.loyalty.points=" + "9" * 30, "filter-loyalty-points", "Enter a smaller number."),
        ("f.kind=robot", "filter-kind", "Choose one of the listed values."),
        ("f.owner_id=abc", "filter-owner_id", "Choose one of the listed values."),
        ("f.owner_id=%C2%B2", "filter-owner_id", "Choose one of the listed values."),  # "²"
        ("from.loyalty.points=%C2%B2", "filter-loyalty-points", "Enter a whole number."),
        ("f.owner_id=" + "9" * 30, "filter-owner_id", "Enter a smaller number."),
        ("f.loyalty.active=maybe", "filter-loyalty-active", "Choose one of the listed values."),
        ("f.loyalty.card=" + "x" * 21, "filter-loyalty-card", "At most 20 characters."),
        ("tag=" + "x" * 81, "filter-tags", "At most 80 characters."),
    ],
)
def test_a_bad_filter_value_gets_a_message_next_to_its_control(
    app: App, signed_in: Callable[..., Any], query: str, control: str, message: str
) -> None:
    client = signed_in("boss", roles=("admin",))
    response = client.get("/customers?" + query)
    error = re.search(
        rf'<span id="{control}-error" class="field-error">([^<]*)</span>', response.text
    )
    assert error, response.text[:300]
    assert (message in error.group(1)) if message else error.group(1) == ""
    assert response.status_code == (400 if message else 200)
    if message:
        assert f'id="{control}-1"' in response.text and 'aria-invalid="true"' in response.text
        fragment = client.get("/customers?" + query, headers={"HX-Request": "true"})
        oob = f'<span id="{control}-error" class="field-error" hx-swap-oob="true">'
        assert oob + html.escape(message, quote=False) in fragment.text or message in fragment.text


def test_the_page_is_translated_for_a_chinese_user(app: App, signed_in: Callable[..., Any]) -> None:
    client = signed_in("zhang", roles=("admin",), locale="zh_CN")
    app.context(app.actor_by_username("zhang")).customers.create({"name": "协和医院"})
    page = client.get("/customers?from.created_at=bad").text
    for label in (
        "筛选",
        "列",
        "类型",
        "负责人",
        "团队",
        "创建时间",
        "标签",
        "排序",
        "已保存的视图",
    ):
        assert label in page, label
    assert "请按 YYYY-MM-DD 格式输入日期。" in page  # the filter's message in Chinese
    assert "Filters" not in page and "Sort by" not in page and "Select all on this page" not in page


# -- bulk changes ----------------------------------------------------------------------------
@pytest.fixture
def reps(app: App, user: Callable[..., Any]) -> dict[str, Any]:
    li = user("li", team="north")
    wang = user("wang", team="north")
    mine = [created(app, li, f"Mine {i}") for i in range(4)]
    theirs = created(app, wang, "Theirs")
    return {"li": li, "wang": wang, "mine": mine, "theirs": theirs}


def bulk(client: Any, data: dict[str, Any], *, htmx: bool = True) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        "/customers/bulk", data={"csrf_token": token_of(client), **data}, headers=headers
    )


def test_bulk_tag_changes_exactly_the_selected_customers_and_audits_each(
    app: App, reps: dict[str, Any], login: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    client = make_client()
    login(client, "li")
    mine = reps["mine"]
    response = bulk(
        client,
        {"ids": [str(mine[0]), str(mine[2])], "action": "tag", "tag": "VIP", "query": "sort=name"},
    )
    assert response.status_code == 200
    assert "2 customers tagged “VIP”." in response.text
    assert names(response) == ["Mine 0", "Mine 1", "Mine 2", "Mine 3"]  # the list, as it was
    assert (
        '<input type="checkbox" id="select-all" name="all" value="1" hx-swap-oob="true">'
        in response.text
    )
    customers = app.context(reps["li"]).customers
    assert customers.tags_for(mine) == {mine[0]: ["VIP"], mine[2]: ["VIP"]}
    assert audit_of(app, mine[0])[-1] == ("tag", {"tags": [None, ["VIP"]]})
    assert [a for a, _c in audit_of(app, mine[1])] == ["create"]
    again = bulk(client, {"ids": [str(m) for m in mine[:3]], "action": "tag", "tag": "VIP"})
    assert "1 customer tagged “VIP”. 2 already had this tag." in again.text
    removed = bulk(client, {"ids": [str(mine[0]), str(mine[3])], "action": "untag", "tag": "VIP"})
    assert "“VIP” removed from 1 customer. 1 did not have this tag." in removed.text
    assert audit_of(app, mine[0])[-1] == ("untag", {"tags": [["VIP"], None]})
    assert customers.tags_for(mine) == {mine[1]: ["VIP"], mine[2]: ["VIP"]}


def test_select_all_on_the_page_takes_every_shown_row(
    app: App, reps: dict[str, Any], login: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    client = make_client()
    login(client, "li")
    page = client.get("/customers").text
    shown = re.findall(r'<input type="hidden" name="shown" value="(\d+)" form="bulk">', page)
    assert sorted(int(s) for s in shown) == sorted(reps["mine"])
    response = bulk(
        client, {"all": "1", "shown": shown, "ids": shown[:1], "action": "tag", "tag": "A"}
    )
    assert "4 customers tagged “A”." in response.text


def test_bulk_assign_by_a_manager_and_refused_to_a_rep(
    app: App,
    reps: dict[str, Any],
    signed_in: Callable[..., Any],
    login: Callable[..., Any],
    make_client: Callable[..., Any],
) -> None:
    manager = signed_in("boss", roles=("manager",), team="north")
    mine = reps["mine"]
    page = manager.get("/customers").text
    assert 'name="owner_id"' in page and 'value="assign"' in page
    response = bulk(
        manager,
        {"ids": [str(mine[0]), str(mine[1])], "action": "assign", "owner_id": str(reps["wang"].id)},
    )
    assert "2 customers assigned." in response.text
    customers = app.context(app.actor_by_username("boss")).customers
    assert customers.get(mine[0])["owner_id"] == reps["wang"].id
    assert customers.get(mine[2])["owner_id"] == reps["li"].id
    assert audit_of(app, mine[0])[-1] == ("update", {"owner_id": [reps["li"].id, reps["wang"].id]})
    north = app.actor_by_username("boss").team_id
    south_team = user_in_team(app, "south")  # a team to move customers to
    moved = bulk(manager, {"ids": [str(mine[0])], "action": "assign", "team_id": str(south_team)})
    assert "1 customer assigned." in moved.text
    assert customers.get(mine[0])["team_id"] == south_team
    assert audit_of(app, mine[0])[-1] == ("update", {"team_id": [north, south_team]})
    rep = make_client()
    login(rep, "li")
    assert 'value="assign"' not in rep.get("/customers").text  # a rep has no assign controls
    refused = bulk(
        rep, {"ids": [str(mine[2])], "action": "assign", "owner_id": str(reps["wang"].id)}
    )
    assert "Nothing was changed: You may not assign customers to others." in refused.text
    assert customers.get(mine[2])["owner_id"] == reps["li"].id


def user_in_team(app: App, team: str) -> int:
    """The id of team `team` (created with a user in it)."""
    team_id = make_actor(app, f"member-of-{team}", team=team).team_id
    assert team_id is not None
    return team_id


def test_a_rep_cannot_bulk_change_another_reps_customer(
    app: App, reps: dict[str, Any], login: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    client = make_client()
    login(client, "li")
    selection = [str(reps["mine"][0]), str(reps["theirs"])]
    for data in (
        {"action": "tag", "tag": "VIP"},
        {"action": "untag", "tag": "VIP"},
        {"action": "assign", "owner_id": str(reps["li"].id)},
    ):
        for htmx in (True, False):
            response = bulk(client, {"ids": selection, **data}, htmx=htmx)
            assert response.status_code == (200 if htmx else 400)
            text = "Nothing was changed: 1 of the selected customers are not available to you."
            assert text in response.text
            assert "Theirs" not in response.text
    wang = app.context(reps["wang"]).customers
    assert wang.get(reps["theirs"])["owner_id"] == reps["wang"].id
    assert app.context(reps["li"]).customers.tags_for(reps["mine"]) == {}
    assert [a for a, _c in audit_of(app, reps["theirs"])] == ["create"]
    assert [a for a, _c in audit_of(app, reps["mine"][0])] == ["create"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "tag", "tag": "VIP"}, "Select at least one customer."),
        ({"ids": ["x"], "action": "tag", "tag": "VIP"}, "The selection could not be read."),
        ({"ids": ["²"], "action": "tag", "tag": "VIP"}, "The selection could not be read."),
        ({"ids": ["99999999999999999999"], "action": "tag", "tag": "V"}, "could not be read"),
        ({"ids": ["1"], "action": "explode"}, "Choose what to do with the selection."),
        ({"ids": ["1"], "action": "tag", "tag": "  "}, "Enter the tag to add or remove."),
        ({"ids": ["1"], "action": "tag", "tag": "x" * 81}, "at most 80 characters"),
        ({"ids": ["1"], "action": "assign"}, "Choose an owner or a team to assign."),
        ({"ids": ["1"], "action": "assign", "team_id": "abc"}, "Enter a whole number."),
        ({"ids": [str(i) for i in range(1, 502)], "action": "tag", "tag": "V"}, "at most 500"),
    ],
)
def test_bad_bulk_input_gets_a_message_and_changes_nothing(
    app: App, signed_in: Callable[..., Any], data: dict[str, Any], message: str
) -> None:
    client = signed_in("boss", roles=("admin",))
    created(app, app.actor_by_username("boss"), "Ada")
    response = bulk(client, data)
    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert app.context(app.actor_by_username("boss")).customers.tag_names() == []


def test_bulk_without_csrf_token_is_refused(
    app: App, reps: dict[str, Any], login: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    client = make_client()
    login(client, "li")
    data = {"ids": [str(reps["mine"][0])], "action": "tag", "tag": "VIP"}
    assert client.post("/customers/bulk", data=data).status_code == 403
    forged = client.post("/customers/bulk", data={**data, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert app.context(reps["li"]).customers.tags_for(reps["mine"]) == {}


def test_bulk_needs_the_edit_permission(app: App, signed_in: Callable[..., Any]) -> None:
    viewer = signed_in("viewer", roles=())
    assert (
        viewer.post("/customers/bulk", data={"csrf_token": token_of_any(viewer)}).status_code == 403
    )


def token_of_any(client: Any) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    return found.group(1) if found else ""


# -- saved views -------------------------------------------------------------------------------
def views_post(client: Any, path: str, data: dict[str, Any], *, htmx: bool = True) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        path,
        data={"csrf_token": token_of(client), **data},
        headers=headers,
        follow_redirects=False,
    )


def view_ids(app: App) -> dict[str, int]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(web_saved_view.c.name, web_saved_view.c.id))
        return {name: view_id for name, view_id in rows}


def test_saved_views_are_saved_listed_opened_renamed_updated_and_deleted(
    app: App, shop: dict[str, Any], signed_in: Callable[..., Any]
) -> None:
    client = signed_in("viewer", roles=("admin",))
    query = "f.kind=person&sort=name&cols=source"
    saved = views_post(client, "/customers/views", {"name": " People  by name ", "query": query})
    assert saved.status_code == 200
    assert saved.text.lstrip().startswith('<section id="views"')
    assert "View “People by name” saved." in saved.text
    view_id = view_ids(app)["People by name"]
    assert saved.headers["HX-Push-Url"] == f"/customers?{query}&view={view_id}"
    # listed on the page, opened by its link with its filters, sort and columns
    page = client.get("/customers").text
    link = re.search(r'<a href="([^"]+)">People by name</a>', page)
    assert link
    opened = client.get(html.unescape(link.group(1)))
    assert names(opened) == ["Ada", "Chen"]
    assert 'aria-current="page">People by name</a>' in opened.text
    assert re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?(\w+)', opened.text) == [
        "Name",
        "Source",
    ]
    assert f'name="id" value="{view_id}"' in opened.text  # its rename/update/delete form
    # saving under the same name replaces it
    replaced = views_post(
        client, "/customers/views", {"name": "People by name", "query": "f.kind=organization"}
    )
    assert "View “People by name” replaced." in replaced.text
    assert view_ids(app) == {"People by name": view_id}
    renamed = views_post(client, "/customers/views/rename", {"id": str(view_id), "name": "Firms"})
    assert "View renamed to “Firms”." in renamed.text
    updated = views_post(
        client, "/customers/views/update", {"id": str(view_id), "query": "tag=VIP"}
    )
    assert "View “Firms” now shows this list." in updated.text
    assert names(client.get(f"/customers?tag=VIP&view={view_id}")) == ["Chen"]
    with app.engine.connect() as connection:
        stored = connection.execute(select(web_saved_view.c.query)).scalar_one()
    assert stored == "tag=VIP"
    deleted = views_post(client, "/customers/views/delete", {"id": str(view_id)})
    assert "View “Firms” deleted." in deleted.text
    assert view_ids(app) == {}


def test_saved_views_without_javascript_redirect_to_the_view(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("viewer", roles=("admin",))
    response = views_post(
        client, "/customers/views", {"name": "Mine", "query": "q=ada"}, htmx=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers?q=ada&view={view_ids(app)['Mine']}"
    refused = views_post(client, "/customers/views", {"name": "", "query": "q=ada"}, htmx=False)
    assert refused.status_code == 400 and "Give the view a name." in refused.text


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/customers/views", {"name": "   "}, "Give the view a name."),
        ("/customers/views", {"name": "x" * 81}, "At most 80 characters."),
        ("/customers/views", {"name": "Bad", "query": "from.created_at=nope"}, "Correct the list"),
        ("/customers/views/rename", {"name": "Other"}, "You already have a view with this name."),
        ("/customers/views/rename", {"name": ""}, "Give the view a name."),
    ],
)
def test_bad_view_input_gets_a_message_next_to_the_name(
    app: App, signed_in: Callable[..., Any], path: str, data: dict[str, Any], message: str
) -> None:
    client = signed_in("viewer", roles=("admin",))
    views_post(client, "/customers/views", {"name": "Other", "query": ""})
    views_post(client, "/customers/views", {"name": "Mine", "query": "q=a"})
    data = {"id": str(view_ids(app)["Mine"]), **data}
    response = views_post(client, path, data)
    assert response.status_code == 200
    assert re.search(
        r'class="field-error">[^<]*' + re.escape(html.escape(message, quote=False)), response.text
    )
    assert set(view_ids(app)) == {"Other", "Mine"}


def test_a_user_sees_and_changes_only_their_own_views(
    app: App, signed_in: Callable[..., Any]
) -> None:
    alice = signed_in("alice", roles=("admin",))
    bob = signed_in("bob", roles=("admin",))
    views_post(alice, "/customers/views", {"name": "Alice's view", "query": "q=a"})
    views_post(bob, "/customers/views", {"name": "Bob's view", "query": "q=b"})
    alices = view_ids(app)["Alice's view"]
    assert "Alice&#39;s view" not in bob.get("/customers").text
    assert "Bob&#39;s view" in bob.get("/customers").text
    assert bob.get("/customers?view=%C2%B2").status_code == 200  # a bad view id marks nothing
    opened = bob.get(f"/customers?q=a&view={alices}").text  # nor does a foreign one
    assert "Alice" not in opened and f'name="id" value="{alices}"' not in opened
    for path, data in (
        ("/customers/views/rename", {"name": "Stolen"}),
        ("/customers/views/update", {"query": "q=z"}),
        ("/customers/views/delete", {}),
    ):
        for bad in (str(alices), "0", "-1", "abc", "²", "99999999999999999999"):
            assert views_post(bob, path, {"id": bad, **data}).status_code == 404, (path, bad)
    # saving under a name another user uses makes bob's own view
    views_post(bob, "/customers/views", {"name": "Alice's view", "query": "q=bob"})
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(web_saved_view.c.user_id, web_saved_view.c.query).order_by(web_saved_view.c.id)
        ).all()
    alice_id = app.actor_by_username("alice").id
    bob_id = app.actor_by_username("bob").id
    assert [tuple(r) for r in rows] == [(alice_id, "q=a"), (bob_id, "q=b"), (bob_id, "q=bob")]


def test_view_routes_refuse_a_missing_csrf_token(app: App, signed_in: Callable[..., Any]) -> None:
    client = signed_in("viewer", roles=("admin",))
    for path in ("/customers/views", "/customers/views/rename", "/customers/views/delete"):
        assert client.post(path, data={"name": "x", "id": "1"}).status_code == 403
    assert view_ids(app) == {}


# -- rendering ---------------------------------------------------------------------------------
def test_names_tags_and_view_names_are_escaped(app: App, signed_in: Callable[..., Any]) -> None:
    client = signed_in("boss", roles=("admin",))
    actor = app.actor_by_username("boss")
    customer = created(app, actor, XSS, source=XSS)
    app.context(actor).customers.tag(customer, ['<b hx-get="/logout">t</b>'])
    views_post(client, "/customers/views", {"name": XSS[:80], "query": "q=%3Cscript%3E"})
    for url in ("/customers?cols=source&cols=tags", "/customers?q=<script>"):
        for headers in ({}, {"HX-Request": "true"}):
            text = client.get(url, headers=headers).text
            assert "<script>alert" not in text and "<img src=x" not in text, url
            assert '<b hx-get="/logout">' not in text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = client.get("/customers").text
    assert "&lt;b hx-get=&#34;/logout&#34;&gt;t&lt;/b&gt;" in page  # in the tag picker too
    assert "&lt;script&gt;alert(1)" in page.split('id="views"')[1][:3000]  # the view's name
    assert 'value="q=%3Cscript%3E"' in client.get("/customers?q=<script>").text


def test_htmx_gets_the_results_fragment_and_a_plain_request_the_page(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("boss", roles=("admin",))
    created(app, app.actor_by_username("boss"), "Zhang Wei")
    full = client.get("/customers?q=zhang")
    assert full.text.startswith("<!doctype html>") and "Zhang Wei" in full.text
    fragment = client.get("/customers?q=zhang", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="results"')
    assert "Zhang Wei" in fragment.text and "<html" not in fragment.text
    assert 'id="list-form"' not in fragment.text  # the search box is not swapped while typing
    restore = client.get(
        "/customers?q=zhang", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert restore.text.startswith("<!doctype html>")  # the back button gets a whole page
