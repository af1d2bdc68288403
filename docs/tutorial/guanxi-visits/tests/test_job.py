"""The job `visits.plan`: a planned visit for each customer falling due, never two."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from guanxi_sdk import Filter, Record

DAY = timedelta(days=1)


# --8<-- [start:job-test]
@pytest.fixture
def ops(guanxi_app: Any, make_user: Any) -> Any:
    """The services acting as an administrator, as a job runs."""
    return guanxi_app.context(make_user("ops", roles=("admin",)))


@pytest.fixture
def run_plan(guanxi_app: Any, ops: Any) -> Callable[[], str]:
    """Run the job as `guanxi jobs run visits.plan` does: as an administrator, in one transaction."""

    def run() -> str:
        with ops.transaction():
            return str(guanxi_app.jobs["visits.plan"].handler(ops))

    return run


def planned_visits(ops: Any) -> list[Record]:
    filters = [Filter("kind", "eq", "visits.visit"), Filter("state", "eq", "planned")]
    return list(ops.activities.list(filters, sort="due_at").items)


def test_the_job_is_declared_to_run_every_hour(guanxi_app: Any) -> None:
    job = guanxi_app.jobs["visits.plan"]
    assert job.every == timedelta(hours=1)
    assert str(job.label) == "Plan the visits that are due"


def test_the_job_plans_a_visit_for_each_customer_due_by_tomorrow_once(
    ops: Any, make_user: Any, make_customer: Any, run_plan: Callable[[], str]
) -> None:
    rep = make_user("rey")
    today = date.today()
    late = make_customer(name="Late", owner_id=rep.id, **{"visits.next_visit_on": today - DAY})
    soon = make_customer(name="Soon", owner_id=rep.id, **{"visits.next_visit_on": today + DAY})
    make_customer(name="Later", owner_id=rep.id, **{"visits.next_visit_on": today + 2 * DAY})
    make_customer(name="Never", owner_id=rep.id)

    assert run_plan() == "2 visits planned"
    assert run_plan() == "0 visits planned"  # nothing is planned twice

    visits = planned_visits(ops)
    assert [(v["customer_id"], v["owner_id"], v["subject"]) for v in visits] == [
        (late.id, rep.id, "Late"),
        (soon.id, rep.id, "Soon"),
    ]
    assert visits[0]["due_at"] == datetime.combine(today - DAY, datetime.min.time(), UTC)


# --8<-- [end:job-test]


def test_a_completed_visit_is_planned_again_when_the_next_one_falls_due(
    guanxi_app: Any, ops: Any, make_user: Any, make_customer: Any, run_plan: Callable[[], str]
) -> None:
    rep = make_user("rey")
    ada = make_customer(
        name="Ada",
        owner_id=rep.id,
        **{"visits.every_days": 1, "visits.next_visit_on": date.today()},
    )
    assert run_plan() == "1 visit planned"
    (visit,) = planned_visits(ops)
    activities = guanxi_app.context(rep).activities
    activities.update(visit.id, {"visits.outcome": "interested"})
    activities.transition(visit.id, "complete")  # next visit: tomorrow, within the horizon
    assert run_plan() == "1 visit planned"
    assert [v["customer_id"] for v in planned_visits(ops)] == [ada.id]


def test_the_job_pages_through_more_customers_than_one_page(
    ops: Any, make_customer: Any, run_plan: Callable[[], str]
) -> None:
    for i in range(105):
        make_customer(name=f"C{i}", **{"visits.next_visit_on": date.today() - i * DAY})
    assert run_plan() == "105 visits planned"
    assert run_plan() == "0 visits planned"


def test_the_message_is_in_the_language_of_whoever_runs_it(
    guanxi_app: Any, make_user: Any, make_customer: Any
) -> None:
    make_customer(name="Ada", **{"visits.next_visit_on": date.today()})
    ctx = guanxi_app.context(make_user("li", roles=("admin",), locale="zh_CN"))
    with ctx.transaction():
        assert guanxi_app.jobs["visits.plan"].handler(ctx) == "已安排 1 次拜访"


def test_a_planned_visit_waits_on_the_reps_home_screen_with_its_button(
    make_user: Any, make_customer: Any, login_as: Any, run_plan: Callable[[], str]
) -> None:
    rep = make_user("rey")
    ada = make_customer(name="Ada Ltd", owner_id=rep.id, **{"visits.next_visit_on": date.today()})
    run_plan()
    client = login_as("rey")
    home = client.get("/").text
    assert "Planned visit" in home and "Ada Ltd" in home
    assert "Complete the visit" in client.get(f"/customers/{ada.id}").text
