"""Activities: logging, timelines, the core task workflow, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guanxi_core import App, Filter, ValidationError, WorkflowError
from guanxi_core.access import Actor
from guanxi_core.testing import make_actor


@pytest.fixture
def rep(app: App) -> Actor:
    return make_actor(app, "li", team="north")


@pytest.fixture
def customer_id(app: App, rep: Actor) -> int:
    return app.context(rep).customers.create({"name": "王芳"}).id


def test_timeline_is_newest_first_filterable_by_kind_and_paged(
    app: App, rep: Actor, customer_id: int
) -> None:
    activities = app.context(rep).activities
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day, kind in enumerate(["core.note", "core.call", "core.visit", "core.call", "core.note"]):
        activities.create({
            "kind": kind, "customer_id": customer_id, "subject": f"day {day}",
            "occurred_at": (start + timedelta(days=day)).isoformat(),
        })
    first = activities.timeline(customer_id, limit=3)
    assert [a["subject"] for a in first.items] == ["day 4", "day 3", "day 2"]
    rest = activities.timeline(customer_id, limit=3, cursor=first.next_cursor)
    assert [a["subject"] for a in rest.items] == ["day 1", "day 0"]
    assert rest.next_cursor is None
    calls = activities.timeline(customer_id, kinds=["core.call"])
    assert [a["subject"] for a in calls.items] == ["day 3", "day 1"]


def test_activity_records_actor_and_defaults(app: App, rep: Actor, customer_id: int) -> None:
    note = app.context(rep).activities.create(
        {"kind": "core.note", "customer_id": customer_id, "subject": "Met at the fair"}
    )
    assert (note["actor_id"], note["owner_id"], note["state"]) == (rep.id, rep.id, None)
    assert note["occurred_at"].tzinfo is not None


C = "the customer"  # replaced by the fixture's customer id


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"kind": "core.nope", "customer_id": C}, "kind", "choice"),
        ({"kind": "core.note", "subject": "x"}, "customer_id", "required"),
        ({"kind": "core.note", "customer_id": 999999, "subject": "x"}, "customer_id", "not_found"),
        ({"kind": "core.purchase", "customer_id": C, "subject": "x", "amount": "12.345"},
         "amount", "decimal_places"),
        ({"kind": "core.purchase", "customer_id": C, "subject": "x", "amount": "lots"},
         "amount", "type"),
        ({"kind": "core.purchase", "customer_id": C, "subject": "x", "amount": "1e999"},
         "amount", "too_large"),
        ({"kind": "core.note", "customer_id": "9" * 30, "subject": "x"},
         "customer_id", "too_large"),
        ({"kind": "core.note", "customer_id": C, "subject": "x", "occurred_at": "yesterday"},
         "occurred_at", "type"),
        ({"kind": "core.note", "customer_id": C, "subject": "x" * 201}, "subject", "max_length"),
        ({"kind": "core.task", "customer_id": C, "subject": "x", "state": "done"},
         "state", "read_only"),
    ],
)
def test_bad_activity_input_gives_field_errors(
    app: App, rep: Actor, customer_id: int, values: dict[str, object], field: str, code: str
) -> None:
    values = {k: customer_id if v == C else v for k, v in values.items()}
    with pytest.raises(ValidationError) as caught:
        app.context(rep).activities.create(values)
    assert {e.field: e.code for e in caught.value.errors}[field] == code
    assert app.context(rep).activities.timeline(customer_id).items == []


def test_core_task_workflow(app: App, rep: Actor, customer_id: int) -> None:
    activities = app.context(rep).activities
    task = activities.create({
        "kind": "core.task", "customer_id": customer_id, "subject": "Send the quote",
        "due_at": "2026-12-01T09:00:00+08:00",
    })
    assert task["state"] == "open"
    assert [t.name for t in activities.available_transitions(task.id)] == ["complete"]
    with pytest.raises(WorkflowError):
        activities.transition(task.id, "cancel")  # managers only
    done = activities.transition(task.id, "complete", version=task.version)
    assert (done["state"], done.version) == ("done", 2)
    mine_open = activities.list([Filter("owner_id", "eq", rep.id), Filter("state", "eq", "open")])
    assert mine_open.items == []
    reopened = activities.transition(task.id, "reopen")
    assert reopened["state"] == "open"
    manager = make_actor(app, "boss", roles=["manager"], team="north")
    cancelled = app.context(manager).activities.transition(task.id, "cancel")
    assert cancelled["state"] == "cancelled"


def test_search_by_name_phone_or_email_fragment(app: App, rep: Actor) -> None:
    customers = app.context(rep).customers
    customers.create({"name": "张伟", "phones": ["+86 138-0013-8000"]})
    customers.create({"name": "Zhang Wei Trading", "emails": ["Sales@ZhangWei.cn"]})
    customers.create({"name": "100% Natural_Foods"})
    assert [r["name"] for r in customers.search("张")] == ["张伟"]
    assert [r["name"] for r in customers.search("0013 8000")] == ["张伟"]
    assert [r["name"] for r in customers.search("zhangwei.CN")] == ["Zhang Wei Trading"]
    assert [r["name"] for r in customers.search("zhang wei")] == ["Zhang Wei Trading"]
    assert [r["name"] for r in customers.search("0%")] == ["100% Natural_Foods"]
    assert [r["name"] for r in customers.search("l_f")] == ["100% Natural_Foods"]
    assert customers.search("   ") == []


def test_a_done_task_waits_for_nobody_though_it_can_be_reopened(app: App) -> None:
    workflow = app.kinds["core.task"].workflow
    assert workflow is not None
    assert workflow.is_waiting("open")
    assert not workflow.is_waiting("done") and not workflow.is_final("done")
    assert not workflow.is_waiting("cancelled")
