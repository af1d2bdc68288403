"""The visit plan: two customer fields, saved, validated and shown by the core's screens."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from guanxi_sdk import ValidationError


# --8<-- [start:field-test]
def test_the_plan_is_saved_with_the_customer_and_read_back_typed(make_customer: Any) -> None:
    customer = make_customer(
        name="Ada", **{"visits.every_days": "14", "visits.next_visit_on": "2030-01-31"}
    )
    assert customer["visits.every_days"] == 14
    assert customer["visits.next_visit_on"] == date(2030, 1, 31)


def test_a_cadence_out_of_range_is_a_field_error_and_nothing_is_saved(
    guanxi_app: Any, make_user: Any
) -> None:
    rep = make_user("rey")
    customers = guanxi_app.context(rep).customers
    with pytest.raises(ValidationError) as refused:
        customers.create({"name": "Ada", "visits.every_days": 0})
    assert [(e.field, e.code) for e in refused.value.errors] == [("visits.every_days", "min_value")]
    assert customers.list().items == []


# --8<-- [end:field-test]


def test_the_fields_are_in_the_customer_form_and_the_list(
    make_user: Any, make_customer: Any, login_as: Any
) -> None:
    rep = make_user("rey")
    make_customer(name="Ada", owner_id=rep.id, **{"visits.next_visit_on": "2030-01-31"})
    client = login_as("rey")
    form = client.get("/customers/new").text
    assert "Visit every (days)" in form and "Next visit" in form
    assert "Leave empty for customers you do not visit regularly." in form
    listing = client.get("/customers").text
    assert "Next visit" in listing and "Ada" in listing


def test_the_list_filters_on_the_next_visit(
    make_user: Any, make_customer: Any, login_as: Any
) -> None:
    rep = make_user("rey")
    make_customer(name="Soon", owner_id=rep.id, **{"visits.next_visit_on": "2030-01-10"})
    make_customer(name="Later", owner_id=rep.id, **{"visits.next_visit_on": "2030-06-10"})
    html = login_as("rey").get("/customers?to.visits.next_visit_on=2030-02-01").text
    assert "Soon" in html and "Later" not in html


def test_a_chinese_user_reads_the_labels_in_chinese(make_user: Any, login_as: Any) -> None:
    make_user("li", locale="zh_CN")
    form = login_as("li").get("/customers/new").text
    assert "拜访间隔（天）" in form and "下次拜访" in form
