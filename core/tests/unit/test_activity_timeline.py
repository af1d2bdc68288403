"""What the web timeline relies on: 404 for hidden customers, offered transitions, safe dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from guanxi_core import (
    ActivityKind,
    App,
    NotFoundError,
    Plugin,
    Transition,
    ValidationError,
    Workflow,
    WorkflowError,
    _,
)
from guanxi_core.access import Actor
from guanxi_core.services.context import Context
from guanxi_core.testing import make_actor


@pytest.fixture
def rep(app: App) -> Actor:
    return make_actor(app, "li", team="north")


@pytest.fixture
def customer_id(app: App, rep: Actor) -> int:
    return app.context(rep).customers.create({"name": "Wang Fang"}).id


def test_the_timeline_of_a_customer_the_user_may_not_see_is_not_found(
    app: App, rep: Actor, customer_id: int
) -> None:
    other = make_actor(app, "zhao", team="south")
    app.context(rep).activities.create(
        {"kind": "core.note", "customer_id": customer_id, "subject": "Private"}
    )
    with pytest.raises(NotFoundError):
        app.context(other).activities.timeline(customer_id)
    with pytest.raises(NotFoundError):
        app.context(other).activities.timeline(customer_id, kinds=["core.call"])
    with pytest.raises(NotFoundError):
        app.context(rep).activities.timeline(customer_id + 1000)
    mine = app.context(rep).activities
    assert mine.timeline(customer_id, kinds=["core.call"]).items == []  # visible, just empty
    assert [a["subject"] for a in mine.timeline(customer_id).items] == ["Private"]
    assert mine.timeline(customer_id, limit=0).items == []


def test_offered_transitions_follow_state_roles_and_permission_without_guards(
    make_app: Callable[..., App],
) -> None:
    guarded: list[int] = []

    def guard(ctx: Context, activity: Any) -> str | None:
        guarded.append(activity.id)
        return "never"

    plugin = Plugin("desk", "Desk")
    plugin.permission("ticket.escalate", _("Escalate tickets"))
    ActivityKind(
        plugin,
        "ticket",
        label=_("Ticket"),
        workflow=Workflow(
            initial="new",
            transitions=[
                Transition("solve", "new", "solved", guards=[guard]),
                Transition("close", "new", "closed", roles=["manager"]),
                Transition("escalate", "new", "escalated", permission="desk.ticket.escalate"),
                Transition("reopen", "solved", "new"),
            ],
        ),
    )
    app = make_app(plugin)
    rep = make_actor(app, "li")
    admin = make_actor(app, "root", roles=["admin"])
    ctx = app.context(rep)
    customer = ctx.customers.create({"name": "Chen"}).id
    ticket = ctx.activities.create({"kind": "desk.ticket", "customer_id": customer, "subject": "t"})
    note = ctx.activities.create({"kind": "core.note", "customer_id": customer, "subject": "n"})
    offered = ctx.activities.offered_transitions([ticket, note])
    assert [t.name for t in offered[ticket.id]] == ["solve"]
    assert offered[note.id] == []
    assert guarded == []  # a list runs no guard; pressing the button does
    as_admin = app.context(admin).activities.offered_transitions([ticket])
    assert [t.name for t in as_admin[ticket.id]] == ["solve", "close", "escalate"]
    with pytest.raises(WorkflowError, match="never"):
        ctx.activities.transition(ticket.id, "solve")
    assert guarded == [ticket.id]


def test_a_blank_date_logs_now_and_cannot_clear_the_date_of_an_activity(
    app: App, rep: Actor, customer_id: int
) -> None:
    activities = app.context(rep).activities
    before = datetime.now(UTC) - timedelta(seconds=5)
    note = activities.create(
        {"kind": "core.note", "customer_id": customer_id, "subject": "x", "occurred_at": ""}
    )
    assert note["occurred_at"] >= before
    with pytest.raises(ValidationError) as caught:
        activities.update(note.id, {"occurred_at": None, "subject": "y"})
    assert {e.field: e.code for e in caught.value.errors} == {"occurred_at": "required"}
    assert activities.get(note.id)["subject"] == "x"
