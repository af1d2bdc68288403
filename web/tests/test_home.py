"""Home: my open tasks, my workflow items, recent activity, the plugins' widgets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from guanxi_core import (
    ActivityKind,
    Actor,
    App,
    Plugin,
    Screen,
    Transition,
    Workflow,
    _,
)
from guanxi_core.testing import TestDatabase, build_app
from guanxi_web import plugin as web_plugin

XSS = "<script>alert(1)</script>"


def flow_plugin() -> Plugin:
    """A vertical with a reviewed kind of activity and a Home widget."""
    plugin = Plugin("flow", _("Flow"))
    ActivityKind(
        plugin,
        "order",
        label="Order",
        workflow=Workflow(
            initial="draft",
            states={"draft": "Draft", "sent": "Sent", "paid": "Paid"},
            transitions=[
                Transition("send", "draft", "sent", label="Send", roles=["rep"]),
                Transition("pay", "sent", "paid", label="Mark paid", roles=["manager"]),
                Transition("void", ("draft", "sent"), "paid", label="Void", roles=["manager"]),
            ],
        ),
    )

    @plugin.panel("home.widgets", label="Flow widget")
    def widget(screen: Screen) -> str:
        return f'<p class="flow-widget">{screen._("Orders")}</p>'

    return plugin


@pytest.fixture
def app(test_db: TestDatabase) -> Iterator[App]:
    """The web app with the flow plugin (overrides conftest's `app`)."""
    core_app = build_app(test_db.fresh_url(), [web_plugin, flow_plugin()])
    yield core_app
    core_app.engine.dispose()


def section(html: str, heading_id: str) -> str:
    """The HTML of the Home section labelled by `heading_id`."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def customer(app: App, actor: Actor, name: str) -> int:
    return app.context(actor).customers.create({"name": name}).id


def log(app: App, actor: Actor, customer_id: int, kind: str, subject: str, **values: Any) -> int:
    values = {"kind": kind, "customer_id": customer_id, "subject": subject, **values}
    return app.context(actor).activities.create(values).id


def test_anonymous_visitors_are_sent_to_sign_in(client: Any) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_my_open_tasks_by_due_date_with_the_overdue_highlighted(
    app: App, signed_in: Callable[..., Any], user: Callable[..., Actor]
) -> None:
    client = signed_in("rep1")
    rep = app.actor_by_username("rep1")
    acme = customer(app, rep, "Acme")
    now = datetime.now(UTC)
    log(app, rep, acme, "core.task", "Later", due_at=(now + timedelta(days=3)).isoformat())
    log(app, rep, acme, "core.task", "No date")
    log(app, rep, acme, "core.task", "Late " + XSS, due_at=(now - timedelta(days=1)).isoformat())
    done = log(app, rep, acme, "core.task", "Finished")
    app.context(rep).activities.transition(done, "complete")
    log(app, rep, acme, "core.note", "Just a note")
    other = user("rep2")
    log(app, other, customer(app, other, "Theirs"), "core.task", "Not mine")
    tasks = section(client.get("/").text, "my-tasks")
    subjects = re.findall(r"<strong>(.*?)</strong>", tasks)
    assert subjects == ["Late &lt;script&gt;alert(1)&lt;/script&gt;", "Later", "No date"]
    late = tasks[tasks.index('<li class="task overdue">') :]
    assert late.index("Late &lt;script") < late.index("Overdue") < late.index("</li>")
    assert tasks.count("Overdue") == 1
    assert f'href="/customers/{acme}"' in tasks and "Acme" in tasks
    assert "No due date" in tasks


def test_my_workflow_items_show_their_state_and_my_transitions(
    app: App, signed_in: Callable[..., Any]
) -> None:
    client = signed_in("rep1")
    rep = app.actor_by_username("rep1")
    acme = customer(app, rep, "Acme")
    draft = log(app, rep, acme, "flow.order", "Order 1")
    sent = log(app, rep, acme, "flow.order", "Order 2")
    app.context(rep).activities.transition(sent, "send")
    log(app, rep, acme, "core.task", "A task")
    items = section(client.get("/").text, "my-items")
    first = items[items.index("Order 1") :]
    first = first[: first.index("</li>")]
    assert "Draft" in first
    assert f'action="/activities/{draft}/transitions/send"' in first
    assert '<button type="submit">Send</button>' in first
    assert "Void" not in first  # a manager's transition
    second = items[items.index("Order 2") :]
    second = second[: second.index("</li>")]
    assert "Sent" in second and "<form" not in second  # only a manager may go on
    assert f'href="/customers/{acme}"' in items and "Order" in items
    assert "A task" not in items  # tasks have their own section


def test_finished_workflow_items_are_not_listed(app: App, signed_in: Callable[..., Any]) -> None:
    client = signed_in("rep1")
    rep = app.actor_by_username("rep1")
    order = log(app, rep, customer(app, rep, "Acme"), "flow.order", "Big order")
    app.context(rep).activities.transition(order, "send")
    assert "Big order" in section(client.get("/").text, "my-items")
    signed_in("boss", roles=("admin",))
    app.context(app.actor_by_username("boss")).activities.transition(order, "pay")
    items = section(client.get("/").text, "my-items")
    assert "Big order" not in items
    assert "Nothing waits for you." in items


def test_recent_activity_is_the_last_twenty_on_customers_i_may_see(
    app: App, signed_in: Callable[..., Any], user: Callable[..., Actor]
) -> None:
    client = signed_in("rep1")
    rep = app.actor_by_username("rep1")
    acme = customer(app, rep, "Acme " + XSS)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(21):
        when = (start + timedelta(days=day)).isoformat()
        log(app, rep, acme, "core.note", f"Note {day:02d}", occurred_at=when)
    other = user("rep2")
    log(app, other, customer(app, other, "Theirs"), "core.note", "Hidden note")
    recent = section(client.get("/").text, "recent")
    subjects = re.findall(r"<strong>(.*?)</strong>", recent)
    assert subjects == [f"Note {day:02d}" for day in range(20, 0, -1)]
    assert "Hidden note" not in recent and "Theirs" not in recent
    assert "Acme &lt;script&gt;" in recent and XSS not in recent


def test_home_shows_the_plugin_widgets(signed_in: Callable[..., Any]) -> None:
    html = signed_in("rep1").get("/").text
    widgets = html[html.index('<div class="home-widgets">') :]
    assert '<section class="panel plugin-panel" data-plugin="flow"><h2>Flow widget</h2>' in widgets


def test_an_empty_home_says_so_in_the_users_language(signed_in: Callable[..., Any]) -> None:
    html = signed_in("rep1", locale="zh_CN").get("/").text
    assert "我的待办任务" in html and "没有待办任务。" in html
    assert "暂无需要您处理的事项。" in html and "最近动态" in html
    assert '<a href="/" aria-current="page">首页</a>' in html


def test_htmx_gets_the_home_fragment(signed_in: Callable[..., Any]) -> None:
    client = signed_in("rep1")
    fragment = client.get("/", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div class="home" id="home">')
    assert "<html" not in fragment
    assert "My open tasks" in fragment


def test_a_user_who_may_not_see_activities_still_gets_a_home(
    signed_in: Callable[..., Any],
) -> None:
    response = signed_in("guest", roles=()).get("/")
    assert response.status_code == 200
    assert "No open tasks." in response.text


def test_a_task_is_marked_done_from_home(
    app: App, signed_in: Callable[..., Any], csrf: Callable[..., str]
) -> None:
    client = signed_in("rep1")
    rep = app.actor_by_username("rep1")
    acme = customer(app, rep, "Acme")
    task = log(app, rep, acme, "core.task", "Send the quote")
    tasks = section(client.get("/").text, "my-tasks")
    action = f"/activities/{task}/transitions/complete"
    assert f'action="{action}"' in tasks and ">Mark done</button>" in tasks
    response = client.post(
        action, data={"csrf_token": csrf(client, "/"), "version": "1"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert app.context(rep).activities.get(task)["state"] == "done"
    tasks = section(client.get("/").text, "my-tasks")
    assert "Send the quote" not in tasks and "No open tasks." in tasks


def test_a_user_who_may_not_edit_activities_gets_no_buttons(
    app: App, signed_in: Callable[..., Any]
) -> None:
    owner = signed_in("rep1")
    rep = app.actor_by_username("rep1")
    log(app, rep, customer(app, rep, "Acme"), "core.task", "Look only")
    assert "<form" in section(owner.get("/").text, "my-tasks")
    app.roles["rep"].permissions.discard("core.activity.edit")
    tasks = section(owner.get("/").text, "my-tasks")
    assert "Look only" in tasks and "<form" not in tasks
