"""A planned visit: completed only with its outcome, which plans the next one; or cancelled."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from guanxi_sdk import NotFoundError, ValidationError, WorkflowError


# --8<-- [start:workflow-test]
def test_completing_a_visit_needs_its_outcome_and_sets_the_next_visit(
    guanxi_app: Any, make_user: Any, make_customer: Any, make_activity: Any
) -> None:
    rep = make_user("rey")
    ada = make_customer(name="Ada", owner_id=rep.id, **{"visits.every_days": 30})
    visit = make_activity("visits.visit", ada, subject="Ada")
    assert visit["state"] == "planned"
    activities = guanxi_app.context(rep).activities

    with pytest.raises(WorkflowError, match="Record the outcome before completing the visit"):
        activities.transition(visit.id, "complete")
    activities.update(visit.id, {"visits.outcome": "ordered"})
    done = activities.transition(visit.id, "complete")

    assert done["state"] == "done"
    customer = guanxi_app.context(rep).customers.get(ada.id)
    assert customer["visits.next_visit_on"] == date.today() + timedelta(days=30)


# --8<-- [end:workflow-test]


def test_without_a_cadence_completing_clears_the_next_visit(
    guanxi_app: Any, make_user: Any, make_customer: Any, make_activity: Any
) -> None:
    rep = make_user("rey")
    ada = make_customer(name="Ada", owner_id=rep.id, **{"visits.next_visit_on": date.today()})
    visit = make_activity("visits.visit", ada, subject="Ada", **{"visits.outcome": "not_now"})
    guanxi_app.context(rep).activities.transition(visit.id, "complete")
    assert guanxi_app.context(rep).customers.get(ada.id)["visits.next_visit_on"] is None


def test_the_outcome_is_one_of_its_choices(
    guanxi_app: Any, make_user: Any, make_customer: Any, make_activity: Any
) -> None:
    rep = make_user("rey")
    visit = make_activity("visits.visit", make_customer(name="Ada", owner_id=rep.id), subject="x")
    with pytest.raises(ValidationError) as refused:
        guanxi_app.context(rep).activities.update(visit.id, {"visits.outcome": "maybe"})
    assert [(e.field, e.code) for e in refused.value.errors] == [("visits.outcome", "choice")]


def test_a_cancelled_visit_leaves_the_next_visit_as_it_was(
    guanxi_app: Any, make_user: Any, make_customer: Any, make_activity: Any
) -> None:
    rep = make_user("rey")
    due = date.today() - timedelta(days=2)
    ada = make_customer(
        name="Ada", owner_id=rep.id, **{"visits.every_days": 7, "visits.next_visit_on": due}
    )
    visit = make_activity("visits.visit", ada, subject="Ada")
    activities = guanxi_app.context(rep).activities
    assert [t.name for t in activities.available_transitions(visit.id)] == ["cancel"]
    assert activities.transition(visit.id, "cancel")["state"] == "cancelled"
    assert activities.available_transitions(visit.id) == []
    assert guanxi_app.context(rep).customers.get(ada.id)["visits.next_visit_on"] == due


def test_another_reps_visit_cannot_be_completed(
    guanxi_app: Any, make_user: Any, make_customer: Any, make_activity: Any
) -> None:
    owner = make_user("rey")
    other = make_user("ray")
    ada = make_customer(name="Ada", owner_id=owner.id)
    visit = make_activity("visits.visit", ada, subject="Ada", **{"visits.outcome": "ordered"})
    with pytest.raises(NotFoundError):
        guanxi_app.context(other).activities.transition(visit.id, "complete")
    assert guanxi_app.context(owner).activities.get(visit.id)["state"] == "planned"


def test_the_refusal_is_shown_on_the_visit_in_the_users_language(
    make_user: Any, make_customer: Any, make_activity: Any, login_as: Any
) -> None:
    rep = make_user("li", locale="zh_CN")
    visit = make_activity("visits.visit", make_customer(name="Ada", owner_id=rep.id), subject="x")
    client = login_as("li")
    response = client.post(
        f"/activities/{visit.id}/transitions/complete",
        data={"csrf_token": client.csrf_token, "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "请先填写拜访结果，再完成拜访。" in response.text
