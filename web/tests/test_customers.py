from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guanxi_core import App

XSS = '<script>alert(1)</script><img src=x onerror=alert(2) hx-get="/logout">'


@pytest.fixture
def rep(app: App, user: Callable[..., Any]) -> Any:
    return user("rep1", roles=("rep",))


def make_customer(app: App, actor: Any, name: str, **values: Any) -> int:
    return app.context(actor).customers.create({"name": name, **values}).id


def test_list_shows_only_visible_customers(
    app: App, rep: Any, user: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    other = user("rep2")
    make_customer(app, rep, "Mine Ltd")
    make_customer(app, other, "Theirs Ltd")
    client = signed_in("viewer", roles=("rep",))
    assert "Mine Ltd" not in client.get("/customers").text
    make_customer(app, app.actor_by_username("viewer"), "Viewer Co")
    page = client.get("/customers").text
    assert "Viewer Co" in page and "Theirs Ltd" not in page and "Mine Ltd" not in page


def test_customer_page_of_another_reps_customer_is_404(
    app: App, user: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    other = user("rep2")
    theirs = make_customer(app, other, "Theirs Ltd")
    client = signed_in("rep1")
    mine = make_customer(app, app.actor_by_username("rep1"), "Mine Ltd", phones=["13800000001"])
    response = client.get(f"/customers/{theirs}")
    assert response.status_code == 404
    assert "Theirs Ltd" not in response.text
    page = client.get(f"/customers/{mine}")
    assert page.status_code == 200
    assert "Mine Ltd" in page.text and "13800000001" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/customers/0",
        "/customers/-1",
        "/customers/99999999999999999999999",
        "/customers/abc",
        "/customers/9223372036854775807",
        "/customers?cursor=garbage",
        "/customers?cursor=%00",
        "/customers?q=%25%27%22%3C",
        "/customers?q=" + "x" * 500,
        "/nowhere",
    ],
)
def test_malformed_input_never_gives_500(signed_in: Callable[..., Any], path: str) -> None:
    client = signed_in("rep1")
    response = client.get(path)
    assert response.status_code in {200, 400, 404}, (path, response.status_code)


def test_admin_sees_every_customer(
    app: App, user: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    make_customer(app, user("rep2"), "Theirs Ltd")
    assert "Theirs Ltd" in signed_in("boss", roles=("admin",)).get("/customers").text


def test_user_input_is_escaped_everywhere(
    app: App, rep: Any, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("rep9")
    actor = app.actor_by_username("rep9")
    cid = make_customer(app, actor, XSS, address=XSS)
    for path in ("/customers", f"/customers/{cid}", f"/customers?q={'script'}"):
        text = client.get(path).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


def test_search_with_htmx_gets_only_the_results_fragment(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("rep1")
    make_customer(app, app.actor_by_username("rep1"), "Zhang Wei")
    full = client.get("/customers?q=zhang")
    assert full.text.startswith("<!doctype html>") and "Zhang Wei" in full.text
    fragment = client.get("/customers?q=zhang", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="results"')
    assert "Zhang Wei" in fragment.text and "<html" not in fragment.text


def test_user_without_view_permission_gets_403(app: App, signed_in: Callable[..., Any]) -> None:
    client = signed_in("nobody", roles=())
    assert client.get("/customers").status_code == 403


def test_list_and_page_show_names_translated_choices_and_local_dates(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("zhangsan", team="华北", locale="zh_CN")
    rep = app.actor_by_username("zhangsan")
    customer = app.context(rep).customers.create({"name": "协和医院", "kind": "organization"})
    listing = client.get("/customers").text
    assert "机构" in listing and ">organization<" not in listing  # the translated choice
    assert "zhangsan" in listing  # the owner's name, not the id
    page = client.get(f"/customers/{customer.id}").text
    assert "华北" in page  # the team's name
    assert f"{customer['created_at'].year}年" in page  # a date written the Chinese way


def test_timeline_shows_translated_kind_state_and_local_time(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("lisi", locale="zh_CN")
    rep = app.actor_by_username("lisi")
    ctx = app.context(rep)
    customer = ctx.customers.create({"name": "王芳"})
    ctx.activities.create(
        {
            "kind": "core.task",
            "customer_id": customer.id,
            "subject": "寄报价单",
            "occurred_at": "2026-03-04T09:30:00+00:00",
        }
    )
    page = client.get(f"/customers/{customer.id}").text
    assert "任务" in page and "待办" in page  # kind and workflow state, in Chinese
    assert "2026年3月4日" in page and "2026-03-04T" not in page
