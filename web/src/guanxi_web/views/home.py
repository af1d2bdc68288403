"""Home: my open tasks, my workflow items, recent activity and the plugins' widgets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.response import Redirect
from sqlmodel import col, select

from guanxi_core import Actor, App, Context, Filter, Record
from guanxi_core.models import Customer
from guanxi_web.rendering import render
from guanxi_web.state import request_state, web_context
from guanxi_web.views._shared import display_for

TASK = "core.task"
TASK_LIMIT = 50
WORKFLOW_LIMIT = 50
RECENT_LIMIT = 20


def _open_states(app: App, kinds: Iterable[str]) -> list[str]:
    """The states of the kinds' workflows in which a record still waits for someone."""
    states: set[str] = set()
    for key in kinds:
        workflow = app.kinds[key].workflow
        if workflow is not None:
            states.update(s for s in workflow.states if workflow.is_waiting(s))
    return sorted(states)


def _is_open(app: App, record: Record) -> bool:
    kind = app.kinds.get(str(record.get("kind")))
    workflow = kind.workflow if kind is not None else None
    return workflow is not None and workflow.is_waiting(record.get("state"))


def _my_tasks(app: App, ctx: Context, actor: Actor) -> list[Record]:
    if TASK not in app.kinds:
        return []
    filters = [
        Filter("kind", "eq", TASK),
        Filter("owner_id", "eq", actor.id),
        Filter("state", "in", _open_states(app, [TASK])),
    ]
    return ctx.activities.list(filters, sort="due_at", limit=TASK_LIMIT).items


def _my_workflow_items(app: App, ctx: Context, actor: Actor) -> list[Record]:
    kinds = sorted(k for k, kind in app.kinds.items() if kind.workflow and k != TASK)
    if not kinds:
        return []
    filters = [
        Filter("kind", "in", kinds),
        Filter("owner_id", "eq", actor.id),
        Filter("state", "in", _open_states(app, kinds)),
    ]
    page = ctx.activities.list(filters, sort="-occurred_at", limit=WORKFLOW_LIMIT)
    # A state open in one kind's workflow may be final in another's: keep the truly open.
    return [r for r in page.items if _is_open(app, r)]


def _customer_names(ctx: Context, records: Iterable[Record]) -> dict[int, str]:
    """Names of the records' customers, in one query (the records are visible, so are they)."""
    ids = {int(r["customer_id"]) for r in records}
    if not ids:
        return {}
    with ctx.read() as session:
        rows = session.execute(select(Customer.id, Customer.name).where(col(Customer.id).in_(ids)))
        return {int(row[0]): str(row[1]) for row in rows}


@get("/", opt={"public": True}, sync_to_thread=True)
def home(request: Request[Any, Any, Any]) -> Response[Any]:
    """The start page of a signed-in user; anyone else is sent to sign in."""
    actor = request_state(request).actor
    if actor is None:
        return Redirect("/login", status_code=303)
    app = web_context(request).app
    ctx = app.context(actor)
    tasks: list[Record] = []
    items: list[Record] = []
    recent: list[Record] = []
    if actor.can("core.activity.view"):
        tasks = _my_tasks(app, ctx, actor)
        items = _my_workflow_items(app, ctx, actor)
        recent = ctx.activities.list(sort="-occurred_at", limit=RECENT_LIMIT).items
    every = [*tasks, *items, *recent]
    fields = app.fields.for_entity("activity")
    return render(
        request,
        "web/home.html",
        {
            "tasks": tasks,
            "items": items,
            "recent": recent,
            "transitions": (
                ctx.activities.offered_transitions([*tasks, *items])
                if actor.can("core.activity.edit") and (tasks or items)
                else {}
            ),
            "customers": _customer_names(ctx, every),
            "kinds": app.kinds,
            "field": {spec.key: spec for spec in fields},
            "display": display_for(request, fields, every),
            "now": datetime.now(UTC),
        },
        block="home",
    )


ROUTES = [home]
