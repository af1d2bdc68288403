"""Visit plans: how often each customer is visited, visit reports, and the visits due.

The plugin that the tutorial in Guanxi's documentation builds step by step. A customer gets a
visit cadence and a next-visit date; a job plans a visit for every customer that falls due;
the rep completes the visit with its outcome, which sets the next date; a page lists the
visits due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from babel.dates import format_date
from guanxi_sdk import (
    ActivityExtension,
    ActivityKind,
    Context,
    CustomerExtension,
    Field,
    Filter,
    LazyText,
    Page,
    Plugin,
    QueryError,
    Screen,
    Transition,
    Workflow,
    _,
    ngettext,
    translate,
)

# --8<-- [start:plugin]
plugin = Plugin(
    "visits",
    _("Visit plans"),
    requires_core=">=0.1,<0.2",
    migrations="guanxi_visits.migrations",
    translations=("guanxi_visits", "visits"),
    description=_("How often to visit each customer, visit reports and the visits due."),
)
# --8<-- [end:plugin]

# --8<-- [start:permissions]
SEE_DUE = plugin.permission("due.view", _("See the visits due"))
plugin.role("rep", _("Sales rep"), [SEE_DUE.name])
plugin.role("manager", _("Manager"), [SEE_DUE.name])
# --8<-- [end:permissions]


# --8<-- [start:field]
class VisitPlan(CustomerExtension, plugin=plugin, table="plan"):
    """How often a customer is visited and when the next visit is due (table `visits_plan`)."""

    every_days: int | None = Field(
        None,
        label=_("Visit every (days)"),
        help=_("Leave empty for customers you do not visit regularly."),
        min_value=1,
        max_value=365,
    )
    next_visit_on: date | None = Field(
        None, label=_("Next visit"), filterable=True, sortable=True, list_column=True
    )


# --8<-- [end:field]


# --8<-- [start:workflow]
def outcome_recorded(ctx: Context, activity: Any) -> LazyText | None:
    """Refuse to complete a visit whose outcome was not recorded."""
    if ctx.activities.get(activity.id)["visits.outcome"] is None:
        return _("Record the outcome before completing the visit.")
    return None


def plan_next_visit(ctx: Context, activity: Any) -> None:
    """After a visit: the customer's next visit is due `every_days` from today (or not at all)."""
    customer = ctx.customers.get(activity.customer_id)
    every = customer["visits.every_days"]
    next_visit = date.today() + timedelta(days=every) if every else None
    ctx.customers.update(customer.id, {"visits.next_visit_on": next_visit})


visit = ActivityKind(
    plugin,
    "visit",
    label=_("Planned visit"),
    icon="map-pin",
    workflow=Workflow(
        initial="planned",
        states={"planned": _("Planned"), "done": _("Done"), "cancelled": _("Cancelled")},
        transitions=[
            Transition(
                "complete",
                "planned",
                "done",
                label=_("Complete the visit"),
                roles=["rep", "manager"],
                guards=[outcome_recorded],
                effects=[plan_next_visit],
            ),
            Transition(
                "cancel", "planned", "cancelled", label=_("Cancel"), roles=["rep", "manager"]
            ),
        ],
    ),
)
# --8<-- [end:workflow]


# --8<-- [start:report]
class VisitReport(ActivityExtension, plugin=plugin, table="report", kinds=[visit]):
    """What came of a visit (table `visits_report`, only on planned visits)."""

    outcome: Literal["ordered", "interested", "not_now"] | None = Field(
        None,
        label=_("Outcome"),
        choices=[
            ("ordered", _("Ordered")),
            ("interested", _("Interested")),
            ("not_now", _("Not now")),
        ],
        filterable=True,
    )


# --8<-- [end:report]


# --8<-- [start:queries]
def due_customers(ctx: Context, on: date, *, cursor: str | None = None) -> Page:
    """A page of the customers whose next visit is on or before `on`, most overdue first.

    One query, whatever the number of customers: the extension field is filterable, so its
    column is indexed, and the user's record-level access applies as on every list.
    """
    return ctx.customers.list(
        [Filter("visits.next_visit_on", "le", on)],
        sort="visits.next_visit_on",
        limit=100,
        cursor=cursor,
    )


def planned_for(ctx: Context, customer_ids: Iterable[int]) -> set[int]:
    """Which of these customers already have a planned visit (one query for all of them)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    page = ctx.activities.list(
        [
            Filter("kind", "eq", visit.key),
            Filter("state", "eq", "planned"),
            Filter("customer_id", "in", ids),
        ],
        limit=500,
    )
    return {record["customer_id"] for record in page.items}


# --8<-- [end:queries]


# --8<-- [start:page]
@plugin.page("/due", label=_("Visits due"), permission=SEE_DUE.name, nav=True)
def visits_due(screen: Screen) -> str:
    """The customers due a visit today or earlier, with whether a visit is planned."""
    today = date.today()
    try:
        page = due_customers(screen.ctx, today, cursor=screen.query.get("cursor") or None)
    except QueryError:  # a cursor that was tampered with: a 400, with the first page
        screen.status_code = 400
        page = due_customers(screen.ctx, today)
    planned = planned_for(screen.ctx, (c.id for c in page.items))
    rows = [
        {
            "id": customer.id,
            "name": customer["name"],
            "due": format_date(customer["visits.next_visit_on"], "medium", locale=screen.locale),
            "overdue": customer["visits.next_visit_on"] < today,
            "every": customer["visits.every_days"],
            "planned": customer.id in planned,
        }
        for customer in page.items
    ]
    return screen.render("visits/due.html", rows=rows, next_cursor=page.next_cursor)


# --8<-- [end:page]


# --8<-- [start:job]
@plugin.job("plan", every=timedelta(hours=1), label=_("Plan the visits that are due"))
def plan_visits(ctx: Context) -> str:
    """Log a planned visit, owned by the customer's owner, for each customer falling due.

    Customers due by tomorrow are planned, except those that already have a planned visit,
    so a second run plans nothing twice.
    """
    horizon = date.today() + timedelta(days=1)
    created = 0
    cursor: str | None = None
    while True:
        page = due_customers(ctx, horizon, cursor=cursor)
        planned = planned_for(ctx, (c.id for c in page.items))
        for customer in page.items:
            if customer.id in planned:
                continue
            ctx.activities.create(
                {
                    "kind": visit.key,
                    "customer_id": customer.id,
                    "owner_id": customer["owner_id"],
                    "subject": customer["name"],
                    "due_at": datetime.combine(customer["visits.next_visit_on"], time(), UTC),
                }
            )
            created += 1
        cursor = page.next_cursor
        if cursor is None:
            return translate(ctx, ngettext("{n} visit planned", "{n} visits planned", created))


# --8<-- [end:job]
