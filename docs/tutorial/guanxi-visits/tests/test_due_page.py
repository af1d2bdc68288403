"""The "Visits due" page (`/p/visits/due`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

DAY = timedelta(days=1)


# --8<-- [start:page-test]
def test_the_page_lists_the_reps_due_customers_most_overdue_first(
    make_user: Any, make_customer: Any, make_activity: Any, login_as: Any
) -> None:
    rep = make_user("rey")
    today = date.today()
    make_customer(name="Today Ltd", owner_id=rep.id, **{"visits.next_visit_on": today})
    late = make_customer(name="Late Ltd", owner_id=rep.id, **{"visits.next_visit_on": today - DAY})
    make_customer(name="Future Ltd", owner_id=rep.id, **{"visits.next_visit_on": today + DAY})
    make_customer(name="Unplanned Ltd", owner_id=rep.id)
    make_customer(name="Not Yours Ltd", **{"visits.next_visit_on": today - DAY})
    make_activity("visits.visit", late, subject="Late Ltd")

    response = login_as("rey").get("/p/visits/due")

    assert response.status_code == 200
    html = response.text
    assert html.index("Late Ltd") < html.index("Today Ltd")
    assert "Future Ltd" not in html and "Unplanned Ltd" not in html
    assert "Not Yours Ltd" not in html  # another rep's customer
    late_row = next(row for row in html.split("<tr>") if "Late Ltd" in row)
    assert f'<a href="/customers/{late.id}">Late Ltd</a>' in late_row
    assert "Overdue" in late_row and "<td>Yes</td>" in late_row


# --8<-- [end:page-test]


def test_the_page_is_in_the_navigation_of_those_who_may_see_it(login_as: Any) -> None:
    assert 'href="/p/visits/due"' in login_as("rep").get("/").text
    assert 'href="/p/visits/due"' in login_as("manager").get("/").text


def test_a_user_without_the_permission_is_refused(make_user: Any, login_as: Any) -> None:
    make_user("guest", roles=())
    client = login_as("guest")
    assert 'href="/p/visits/due"' not in client.get("/").text
    response = client.get("/p/visits/due")
    assert response.status_code == 403
    assert "Visits due" not in response.text


def test_an_empty_page_says_how_to_plan_a_visit(login_as: Any) -> None:
    html = login_as("rep").get("/p/visits/due").text
    assert "No visits are due. Set a customer&#39;s next visit on their page." in html


def test_the_page_speaks_chinese_with_chinese_dates(
    make_user: Any, make_customer: Any, login_as: Any
) -> None:
    rep = make_user("li", locale="zh_CN")
    due = date.today() - DAY
    make_customer(name="Ada", owner_id=rep.id, **{"visits.next_visit_on": due})
    html = login_as("li").get("/p/visits/due").text
    assert "待拜访" in html and "已逾期" in html and "尚未" in html
    assert f"{due.year}年{due.month}月{due.day}日" in html


def test_names_are_escaped(make_user: Any, make_customer: Any, login_as: Any) -> None:
    rep = make_user("rey")
    make_customer(
        name="<script>alert(1)</script>",
        owner_id=rep.id,
        **{"visits.next_visit_on": date.today()},
    )
    html = login_as("rey").get("/p/visits/due").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_the_list_pages_with_a_more_link_and_a_bad_cursor_is_a_400(
    make_user: Any, make_customer: Any, login_as: Any
) -> None:
    rep = make_user("rey")
    start = date.today() - timedelta(days=200)
    for i in range(101):
        make_customer(name=f"C{i:03}", owner_id=rep.id, **{"visits.next_visit_on": start + i * DAY})
    client = login_as("rey")
    first = client.get("/p/visits/due").text
    assert "C000" in first and "C099" in first and "C100" not in first
    more = first[first.index('href="/p/visits/due?cursor=') + 6 :]
    second = client.get(more[: more.index('"')].replace("&amp;", "&")).text
    assert "C100" in second and "C099" not in second and "More customers due" not in second
    refused = client.get("/p/visits/due?cursor=not-a-cursor")
    assert refused.status_code == 400 and "C000" in refused.text
