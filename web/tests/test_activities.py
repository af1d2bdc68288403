"""The activity timeline in the web UI: filter, pages, logging, editing and workflow transitions."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, select

from guanxi_core import (
    ActivityExtension,
    ActivityKind,
    App,
    Field,
    Plugin,
    Transition,
    Workflow,
    _,
)
from guanxi_core.access import Actor
from guanxi_core.models import Activity, AuditEntry
from guanxi_core.services.context import Context
from guanxi_core.testing import TestDatabase, build_app
from guanxi_web import plugin as web_plugin

Client = TestClient[Litestar]
HTMX = {"HX-Request": "true"}
XSS_SUBJECT = '<script>alert(1)</script>" hx-get="/logout'
XSS_BODY = '"><img src=x onerror=alert(2)> hx-post="/logout"'


def make_field_plugin() -> Plugin:
    """A vendor plugin: a repair visit kind with a workflow, a guard and its own fields."""
    plugin = Plugin("fieldsvc", _("Field service"))

    def engineer_free(ctx: Context, activity: Any) -> str | None:
        return "No engineer is free that day." if "busy" in activity.subject else None

    repair = ActivityKind(
        plugin,
        "repair",
        label=_("Repair visit"),
        icon="wrench",
        workflow=Workflow(
            initial="booked",
            states={"booked": _("Booked"), "fixed": _("Fixed")},
            transitions=[
                Transition("fix", "booked", "fixed", label=_("Mark fixed"), guards=[engineer_free]),
                Transition("approve", "fixed", "approved", roles=["manager"]),
            ],
        ),
    )

    class Repair(ActivityExtension, plugin=plugin, kinds=[repair]):
        device: Literal["washer", "fridge", "oven"] = Field(
            "washer", label=_("Device"), required=True
        )
        serial: str | None = Field(None, label=_("Serial number"), max_length=20)
        minutes: int | None = Field(None, label=_("Minutes on site"), min_value=1)
        under_warranty: bool = Field(False, label=_("Under warranty"))

    return plugin


@pytest.fixture
def app(test_db: TestDatabase) -> Iterator[App]:
    core_app = build_app(test_db.fresh_url(), [web_plugin, make_field_plugin()])
    yield core_app
    core_app.engine.dispose()


@pytest.fixture
def rep(app: App, user: Callable[..., Actor]) -> Actor:
    return user("rep1", roles=("rep",))


@pytest.fixture
def rep_client(rep: Actor, make_client: Callable[..., Client], login: Any) -> Client:
    client = make_client()
    assert login(client, "rep1").status_code == 303
    return client


def customer(app: App, actor: Actor, name: str = "Chen Jing") -> int:
    return app.context(actor).customers.create({"name": name}).id


def log(app: App, actor: Actor, customer_id: int, kind: str = "core.note", **values: Any) -> int:
    values.setdefault("subject", f"{kind} entry")
    return (
        app.context(actor)
        .activities.create({"kind": kind, "customer_id": customer_id, **values})
        .id
    )


def token(client: Client, path: str) -> str:
    page = client.get(path).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def state_of(app: App, activity_id: int) -> str | None:
    with Session(app.engine) as session:
        row = session.get(Activity, activity_id)
        assert row is not None
        return row.state


def count_activities(app: App) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(Activity.id)).all())


def item_ids(text: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="activity-(\d+)"', text)]


# -- the timeline -----------------------------------------------------------------------------
def test_customer_page_shows_the_timeline_with_quick_log_and_kind_filter(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    log(app, rep, cid, "core.call", subject="Asked for the price list", body="Wants a quote")
    page = rep_client.get(f"/customers/{cid}")
    assert page.status_code == 200
    text = page.text
    assert "Asked for the price list" in text and "Wants a quote" in text
    assert 'id="timeline-items-' in text
    quick = text[text.index('class="quick-log"') :]
    quick = quick[: quick.index("</div>")]
    for kind in ("core.note", "core.call", "core.visit"):
        assert f"/customers/{cid}/activities/new?kind={kind}" in quick
    assert ">Repair visit</option>" in text  # a plugin kind in the filter
    assert f'hx-get="/customers/{cid}/timeline"' in text


def test_kind_filter_shows_only_that_kind_as_fragment_or_page(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    call = log(app, rep, cid, "core.call", subject="A phone call")
    note = log(app, rep, cid, "core.note", subject="A note")
    fragment = rep_client.get(f"/customers/{cid}/timeline?kind=core.call", headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith("<section")
    assert item_ids(fragment.text) == [call]
    assert 'value="core.call" selected' in fragment.text
    page = rep_client.get(f"/customers/{cid}/timeline?kind=core.call")
    assert "<html" in page.text and "Chen Jing" in page.text
    assert item_ids(page.text) == [call]
    both = rep_client.get(f"/customers/{cid}/timeline?kind=core.call&kind=core.note", headers=HTMX)
    assert set(item_ids(both.text)) == {call, note}
    empty = rep_client.get(f"/customers/{cid}/timeline?kind=core.visit", headers=HTMX)
    assert item_ids(empty.text) == [] and "No activities of this kind." in empty.text


def test_timeline_pages_scroll_newest_first_until_the_end(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [
        log(app, rep, cid, subject=f"Entry {n}", occurred_at=start + timedelta(hours=n))
        for n in range(45)
    ]
    expected = list(reversed(ids))
    first = rep_client.get(f"/customers/{cid}")
    seen = item_ids(first.text)
    assert seen == expected[:20]
    text = first.text
    for _page in range(5):
        found = re.search(r'<li class="more" hx-get="([^"]+)" hx-trigger="revealed"', text)
        if found is None:
            break
        url = html.unescape(found.group(1))
        assert f'href="{found.group(1)}"' in text  # a real link for keyboards and no JS
        text = rep_client.get(url, headers=HTMX).text
        assert text.lstrip().startswith("<li") and "<html" not in text
        seen += item_ids(text)
    assert seen == expected
    plain = rep_client.get(url)  # the link without JavaScript: a full page of that page
    assert "<html" in plain.text and item_ids(plain.text) == expected[40:]


@pytest.mark.parametrize(
    "query",
    [
        "kind=nope.nothing",
        "kind=%3Cscript%3E",
        "kind=" + "x" * 300,
        "cursor=garbage",
        "cursor=%00",
        "cursor=" + "A" * 3000,
        "cursor=eyJpZCI6ICJ4In0",
    ],
)
def test_malformed_timeline_parameters_are_refused_without_a_500(
    app: App, rep: Actor, rep_client: Client, query: str
) -> None:
    cid = customer(app, rep)
    response = rep_client.get(f"/customers/{cid}/timeline?{query}")
    assert response.status_code == 400, response.text
    if query.startswith("kind="):
        assert "There is no such kind of activity." in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/customers/0/timeline",
        "/customers/abc/timeline",
        "/customers/99999999999999999999/timeline",
        "/customers/9223372036854775807/timeline",
        "/activities/0",
        "/activities/-5/edit",
        "/activities/abc/delete",
        "/customers/0/activities/new",
        "/customers/1/activities/new?kind=" + "k" * 500,
    ],
)
def test_malformed_ids_are_404_or_400(rep_client: Client, path: str) -> None:
    assert rep_client.get(path).status_code in {400, 404}


# -- workflow transitions ---------------------------------------------------------------------
def test_completing_a_task_changes_its_state_writes_audit_and_swaps_the_entry(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    task = log(app, rep, cid, "core.task", subject="Send the quote")
    page = rep_client.get(f"/customers/{cid}").text
    entry = page[page.index(f'id="activity-{task}"') :]
    entry = entry[: entry.index("</li>")]
    assert ">Open<" in entry and ">Mark done<" in entry
    assert ">Cancel<" not in entry  # managers only: not offered to a rep
    csrf = token(rep_client, f"/customers/{cid}")
    response = rep_client.post(
        f"/activities/{task}/transitions/complete",
        data={"csrf_token": csrf, "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="activity-{task}"')
    assert ">Done<" in response.text and ">Reopen<" in response.text
    assert state_of(app, task) == "done"
    with Session(app.engine) as session:
        audit = session.exec(
            select(AuditEntry).where(
                col(AuditEntry.entity_id) == task, col(AuditEntry.action) == "transition"
            )
        ).one()
    assert audit.changes["state"] == ["open", "done"]
    assert audit.actor_id == rep.id


def test_plain_form_transition_returns_to_the_customer_page(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    task = log(app, rep, cid, "core.task")
    csrf = token(rep_client, f"/customers/{cid}")
    response = rep_client.post(
        f"/activities/{task}/transitions/complete",
        data={"csrf_token": csrf, "version": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{cid}#activity-{task}"
    assert state_of(app, task) == "done"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "Your role may not do this."), ("zh_CN", "您的角色无权执行此操作。")],
)
def test_a_transition_the_role_may_not_make_is_refused_with_a_message(
    app: App,
    user: Callable[..., Actor],
    make_client: Callable[..., Client],
    login: Any,
    locale: str,
    expected: str,
) -> None:
    rep = user("rep1", roles=("rep",), locale=locale)
    client = make_client()
    login(client, "rep1")
    cid = customer(app, rep)
    task = log(app, rep, cid, "core.task")
    csrf = token(client, f"/customers/{cid}")
    htmx = client.post(
        f"/activities/{task}/transitions/cancel",
        data={"csrf_token": csrf, "version": "1"},
        headers=HTMX,
    )
    assert htmx.status_code == 200
    assert expected in htmx.text and 'role="alert"' in htmx.text
    plain = client.post(
        f"/activities/{task}/transitions/cancel", data={"csrf_token": csrf, "version": "1"}
    )
    assert plain.status_code == 409 and expected in plain.text and "<html" in plain.text
    assert state_of(app, task) == "open"


def test_a_guard_refusal_an_unknown_transition_and_a_stale_version_are_explained(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    busy = log(app, rep, cid, "fieldsvc.repair", subject="busy Tuesday")
    csrf = token(rep_client, f"/customers/{cid}")
    refused = rep_client.post(
        f"/activities/{busy}/transitions/fix",
        data={"csrf_token": csrf, "version": "1"},
        headers=HTMX,
    )
    assert "No engineer is free that day." in refused.text
    assert state_of(app, busy) == "booked"
    unknown = rep_client.post(
        f"/activities/{busy}/transitions/explode",
        data={"csrf_token": csrf, "version": "1"},
        headers=HTMX,
    )
    assert "This action is not available for this activity." in unknown.text
    task = log(app, rep, cid, "core.task")
    app.context(rep).activities.update(task, {"subject": "Changed meanwhile"})
    stale = rep_client.post(
        f"/activities/{task}/transitions/complete",
        data={"csrf_token": csrf, "version": "1"},
        headers=HTMX,
    )
    assert "Someone else changed this activity" in stale.text
    assert "Changed meanwhile" in stale.text  # the latest version is shown
    assert state_of(app, task) == "open"
    for version in ("", "x", "-1", "1" * 40):
        bad = rep_client.post(
            f"/activities/{task}/transitions/complete",
            data={"csrf_token": csrf, "version": version},
        )
        assert bad.status_code == 400
    assert state_of(app, task) == "open"


def test_plugin_workflow_states_and_buttons_follow_roles(
    app: App, rep: Actor, rep_client: Client, signed_in: Callable[..., Client]
) -> None:
    cid = customer(app, rep)
    repair = log(app, rep, cid, "fieldsvc.repair", subject="Fix the washer")
    app.context(rep).activities.transition(repair, "fix")

    def entry(client: Client) -> str:
        page = client.get(f"/customers/{cid}").text
        found = page[page.index(f'id="activity-{repair}"') :]
        return found[: found.index("</li>")]

    boss = entry(signed_in("boss", roles=("admin",)))
    assert ">Fixed<" in boss and "/transitions/approve" in boss
    mine = entry(rep_client)
    assert ">Fixed<" in mine and "/transitions/approve" not in mine


# -- logging ----------------------------------------------------------------------------------
def test_log_form_offers_every_kind_and_shows_the_kinds_fields(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    form = rep_client.get(f"/customers/{cid}/activities/new?kind=fieldsvc.repair", headers=HTMX)
    assert form.status_code == 200 and "<html" not in form.text
    for key in app.kinds:
        assert f'value="{key}"' in form.text
    for label in ("Device", "Serial number", "Minutes on site", "Under warranty", "Due"):
        assert f">{label}" in form.text
    assert 'name="fieldsvc.device"' in form.text
    assert 'name="amount"' not in form.text  # not a purchase kind
    note = rep_client.get(f"/customers/{cid}/activities/new?kind=core.note", headers=HTMX)
    assert 'name="fieldsvc.device"' not in note.text and 'name="due_at"' not in note.text
    purchase = rep_client.get(f"/customers/{cid}/activities/new?kind=core.purchase").text
    assert "<html" in purchase and 'name="amount"' in purchase and 'name="currency"' in purchase
    assert f'<option value="{rep.id}" selected>' in purchase  # owner: me
    default = rep_client.get(f"/customers/{cid}/activities/new", headers=HTMX).text
    assert 'name="kind" value="core.note"' in default
    assert re.search(r'<input type="text" id="log-\d+-subject" name="subject" autofocus', default)


def test_changing_the_kind_keeps_what_was_typed(app: App, rep: Actor, rep_client: Client) -> None:
    cid = customer(app, rep)
    form = rep_client.get(
        f"/customers/{cid}/activities/new",
        params={"kind": "fieldsvc.repair", "subject": "Typed <b>here</b>", "body": "More text"},
        headers=HTMX,
    )
    assert 'value="Typed &lt;b&gt;here&lt;/b&gt;"' in form.text
    assert ">More text</textarea>" in form.text
    assert 'hx-include="#log-' in form.text and 'hx-trigger="change"' in form.text
    assert "autofocus" not in form.text  # the focus stays on the kind picker


@pytest.mark.parametrize(
    "kind",
    [
        "core.note",
        "core.call",
        "core.visit",
        "core.message",
        "core.email",
        "core.purchase",
        "core.task",
    ],
)
def test_logging_each_core_kind_saves_it(
    app: App, rep: Actor, rep_client: Client, kind: str
) -> None:
    cid = customer(app, rep)
    csrf = token(rep_client, f"/customers/{cid}")
    data = {"csrf_token": csrf, "kind": kind, "subject": f"Logged {kind}", "body": "Details"}
    if kind == "core.purchase":
        data |= {"amount": "1234.50", "currency": "CNY"}
    if kind == "core.task":
        data |= {"due_at": "2030-05-01T09:30"}
    response = rep_client.post(f"/customers/{cid}/activities", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    [record] = app.context(rep).activities.timeline(cid).items
    assert response.headers["location"] == f"/customers/{cid}#activity-{record.id}"
    assert record["kind"] == kind and record["subject"] == f"Logged {kind}"
    assert record["owner_id"] == rep.id
    if kind == "core.purchase":
        assert record["amount"] == Decimal("1234.50") and record["currency"] == "CNY"
        assert "CN¥1,234.50" in rep_client.get(f"/customers/{cid}").text
    if kind == "core.task":
        assert record["state"] == "open"
        assert record["due_at"] == datetime(2030, 5, 1, 9, 30, tzinfo=UTC)


def test_the_forms_default_time_means_now_and_a_chosen_time_is_kept(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    csrf = token(rep_client, f"/customers/{cid}")
    now = datetime.now(UTC)
    earlier = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    for subject, when in (("Now", now.strftime("%Y-%m-%dT%H:%M")), ("Earlier", earlier)):
        response = rep_client.post(
            f"/customers/{cid}/activities",
            data={"csrf_token": csrf, "kind": "core.note", "subject": subject, "occurred_at": when},
            follow_redirects=False,
        )
        assert response.status_code == 303
    logged = {
        r["subject"]: r["occurred_at"] for r in app.context(rep).activities.timeline(cid).items
    }
    assert logged["Now"] >= now  # to the second, so it sorts above what was logged before
    assert logged["Earlier"] == datetime.fromisoformat(earlier).replace(tzinfo=UTC)


def test_logging_a_plugin_kind_saves_its_fields_and_prepends_the_entry(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    older = log(app, rep, cid, subject="Older note")
    csrf = token(rep_client, f"/customers/{cid}")
    response = rep_client.post(
        f"/customers/{cid}/activities",
        data={
            "csrf_token": csrf,
            "kind": "fieldsvc.repair",
            "subject": "Drum bearing",
            "fieldsvc.device": "fridge",
            "fieldsvc.serial": "SN-42",
            "fieldsvc.minutes": "45",
            "fieldsvc.under_warranty": ["0", "1"],
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    items = app.context(rep).activities.timeline(cid).items
    new = items[0]
    assert new.id != older and new["kind"] == "fieldsvc.repair"
    assert new["fieldsvc.device"] == "fridge" and new["fieldsvc.serial"] == "SN-42"
    assert new["fieldsvc.minutes"] == 45 and new["fieldsvc.under_warranty"] is True
    assert new["state"] == "booked"
    text = response.text
    assert 'role="status"' in text and "Repair visit logged." in text
    assert f'hx-swap-oob="afterbegin:#timeline-items-{cid}"' in text
    assert f'<li id="activity-{new.id}"' in text and "SN-42" in text and ">Booked<" in text
    assert f'id="timeline-empty-{cid}" hx-swap-oob="delete"' in text
    assert "log-form" not in text and 'name="subject"' not in text  # the form is closed
    timeline = rep_client.get(f"/customers/{cid}/timeline", headers=HTMX).text
    assert "Serial number" in timeline and "SN-42" in timeline and "Fridge" not in timeline


@pytest.mark.parametrize(
    ("locale", "required", "number"),
    [
        ("en", "This field is required.", "Enter a whole number."),
        ("zh_CN", "此字段为必填项。", "请输入整数。"),
    ],
)
def test_validation_errors_sit_next_to_the_fields_in_the_users_language(
    app: App,
    user: Callable[..., Actor],
    make_client: Callable[..., Client],
    login: Any,
    locale: str,
    required: str,
    number: str,
) -> None:
    rep = user("rep1", roles=("rep",), locale=locale)
    client = make_client()
    login(client, "rep1")
    cid = customer(app, rep)
    csrf = token(client, f"/customers/{cid}")
    data = {
        "csrf_token": csrf,
        "kind": "fieldsvc.repair",
        "subject": "",
        "body": "Keep this text",
        "fieldsvc.minutes": "lots",
        "fieldsvc.serial": "SN-1",
    }
    plain = client.post(f"/customers/{cid}/activities", data=data)
    assert plain.status_code == 400
    htmx = client.post(f"/customers/{cid}/activities", data=data, headers=HTMX)
    assert htmx.status_code == 200 and "<html" not in htmx.text
    for text in (plain.text, htmx.text):
        subject = text[text.index(f'id="log-{cid}-subject"') :]
        assert required in subject[: subject.index("</div>")]  # inside the field's own box
        minutes = text[text.index(f'id="log-{cid}-fieldsvc-minutes"') :]
        assert number in minutes[: minutes.index("</div>")]
        assert ">Keep this text</textarea>" in text and 'value="SN-1"' in text
        assert 'value="lots"' in text
    assert count_activities(app) == 0


def test_an_unknown_kind_is_refused_with_a_message(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    get = rep_client.get(f"/customers/{cid}/activities/new?kind=gone.kind")
    assert get.status_code == 400 and "There is no such kind of activity." in get.text
    csrf = token(rep_client, f"/customers/{cid}")
    for kind in ("gone.kind", "", "<script>"):
        post = rep_client.post(
            f"/customers/{cid}/activities",
            data={"csrf_token": csrf, "kind": kind, "subject": "Kept subject"},
        )
        assert post.status_code == 400
        assert "There is no such kind of activity." in post.text
        assert 'value="Kept subject"' in post.text
    assert count_activities(app) == 0


# -- editing and deleting ---------------------------------------------------------------------
def test_editing_an_activity_in_place(app: App, rep: Actor, rep_client: Client) -> None:
    cid = customer(app, rep)
    repair = log(
        app, rep, cid, "fieldsvc.repair", subject="Old subject", **{"fieldsvc.serial": "A1"}
    )
    form = rep_client.get(f"/activities/{repair}/edit", headers=HTMX)
    assert form.text.lstrip().startswith(f'<li id="activity-{repair}"')
    assert 'value="Old subject"' in form.text and 'value="A1"' in form.text
    assert 'name="version" value="1"' in form.text
    csrf = token(rep_client, f"/customers/{cid}")
    saved = rep_client.post(
        f"/activities/{repair}",
        data={
            "csrf_token": csrf,
            "version": "1",
            "subject": "New subject",
            "fieldsvc.serial": "B2",
            "fieldsvc.device": "oven",
        },
        headers=HTMX,
    )
    assert saved.status_code == 200
    assert "New subject" in saved.text and "B2" in saved.text and "<form" in saved.text
    record = app.context(rep).activities.get(repair)
    assert record["subject"] == "New subject" and record["fieldsvc.serial"] == "B2"
    assert record.version == 2
    cancel = rep_client.get(f"/activities/{repair}", headers=HTMX)
    assert cancel.text.lstrip().startswith(f'<li id="activity-{repair}"')
    page = rep_client.get(f"/activities/{repair}/edit")
    assert "<html" in page.text and "Chen Jing" in page.text


def test_an_edit_on_a_stale_version_keeps_the_input_and_explains(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    note = log(app, rep, cid, subject="First")
    app.context(rep).activities.update(note, {"subject": "Their change"})
    csrf = token(rep_client, f"/customers/{cid}")
    response = rep_client.post(
        f"/activities/{note}", data={"csrf_token": csrf, "version": "1", "subject": "Mine"}
    )
    assert response.status_code == 409
    assert "Someone else changed this activity" in response.text
    assert 'value="Mine"' in response.text and 'name="version" value="2"' in response.text
    assert app.context(rep).activities.get(note)["subject"] == "Their change"
    again = rep_client.post(
        f"/activities/{note}",
        data={"csrf_token": csrf, "version": "2", "subject": "Mine"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert app.context(rep).activities.get(note)["subject"] == "Mine"
    invalid = rep_client.post(
        f"/activities/{note}",
        data={"csrf_token": csrf, "version": "3", "subject": "", "occurred_at": ""},
    )
    assert invalid.status_code == 400 and invalid.text.count("This field is required.") == 2


def test_a_manager_deletes_and_a_rep_may_not(
    app: App,
    rep: Actor,
    rep_client: Client,
    user: Callable[..., Actor],
    make_client: Callable[..., Client],
    login: Any,
) -> None:
    cid = customer(app, rep)
    note = log(app, rep, cid, subject="To be deleted")
    page = rep_client.get(f"/customers/{cid}").text
    assert f"/activities/{note}/delete" not in page
    csrf = token(rep_client, f"/customers/{cid}")
    refused = rep_client.post(
        f"/activities/{note}/delete", data={"csrf_token": csrf, "version": "1"}
    )
    assert refused.status_code == 403
    user("admin1", roles=("admin",))
    boss = make_client()
    login(boss, "admin1")
    page = boss.get(f"/customers/{cid}").text
    assert f'hx-post="/activities/{note}/delete"' in page and "hx-confirm=" in page
    confirm = boss.get(f"/activities/{note}/delete")
    assert confirm.status_code == 200 and "Delete this activity?" in confirm.text
    boss_csrf = token(boss, f"/customers/{cid}")
    stale = boss.post(
        f"/activities/{note}/delete", data={"csrf_token": boss_csrf, "version": "7"}, headers=HTMX
    )
    assert "Someone else changed this activity" in stale.text
    gone = boss.post(
        f"/activities/{note}/delete", data={"csrf_token": boss_csrf, "version": "1"}, headers=HTMX
    )
    assert gone.status_code == 200 and gone.text == ""
    assert count_activities(app) == 0
    with Session(app.engine) as session:
        assert session.exec(
            select(AuditEntry).where(
                col(AuditEntry.entity_id) == note, col(AuditEntry.action) == "delete"
            )
        ).one()


# -- access, CSRF, escaping -------------------------------------------------------------------
def _routes(customer_id: int, activity_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/customers/{customer_id}/timeline"),
        ("GET", f"/customers/{customer_id}/timeline?kind=core.note"),
        ("GET", f"/customers/{customer_id}/activities/new"),
        ("GET", f"/customers/{customer_id}/activities/new?kind=core.task"),
        ("POST", f"/customers/{customer_id}/activities"),
        ("GET", f"/activities/{activity_id}"),
        ("GET", f"/activities/{activity_id}/edit"),
        ("POST", f"/activities/{activity_id}"),
        ("POST", f"/activities/{activity_id}/transitions/complete"),
        ("GET", f"/activities/{activity_id}/delete"),
        ("POST", f"/activities/{activity_id}/delete"),
    ]


def test_another_reps_customer_and_activities_are_404_on_every_route(
    app: App, user: Callable[..., Actor], signed_in: Callable[..., Client]
) -> None:
    other = user("rep2", roles=("rep",))
    theirs = customer(app, other, "Theirs Ltd")
    task = log(app, other, theirs, "core.task", subject="Their secret task")
    client = signed_in("mgr", roles=("manager",))  # may delete; still sees no other team
    mine = customer(app, app.actor_by_username("mgr"), "Mine Ltd")
    csrf = token(client, f"/customers/{mine}")
    for method, path in _routes(theirs, task):
        data = {
            "csrf_token": csrf,
            "version": "1",
            "kind": "core.note",
            "subject": "Sneaky",
        }
        for headers in ({}, HTMX):
            if method == "GET":
                response = client.get(path, headers=headers)
            else:
                response = client.post(path, data=data, headers=headers)
            assert response.status_code == 404, (method, path, response.status_code)
            assert "Their secret task" not in response.text and "Theirs Ltd" not in response.text
    assert state_of(app, task) == "open" and count_activities(app) == 1


def test_unsafe_requests_without_the_csrf_token_are_refused(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    task = log(app, rep, cid, "core.task")
    for method, path in _routes(cid, task):
        if method != "POST":
            continue
        response = rep_client.post(
            path, data={"version": "1", "kind": "core.note", "subject": "x"}, headers=HTMX
        )
        assert response.status_code == 403, path
    assert state_of(app, task) == "open" and count_activities(app) == 1


def test_subjects_and_bodies_are_escaped_everywhere(
    app: App, rep: Actor, rep_client: Client
) -> None:
    cid = customer(app, rep)
    task = log(app, rep, cid, "core.task", subject=XSS_SUBJECT, body=XSS_BODY)
    pages = [
        rep_client.get(f"/customers/{cid}").text,
        rep_client.get(f"/customers/{cid}/timeline", headers=HTMX).text,
        rep_client.get(f"/activities/{task}").text,
        rep_client.get(f"/activities/{task}/edit", headers=HTMX).text,
        rep_client.get(f"/activities/{task}/edit").text,
    ]
    csrf = token(rep_client, f"/customers/{cid}")
    pages.append(
        rep_client.post(
            f"/customers/{cid}/activities",
            data={
                "csrf_token": csrf,
                "kind": "core.note",
                "subject": XSS_SUBJECT,
                "body": XSS_BODY,
            },
            headers=HTMX,
        ).text
    )
    pages.append(
        rep_client.get(
            f"/customers/{cid}/activities/new",
            params={"kind": "core.note", "subject": XSS_SUBJECT},
            headers=HTMX,
        ).text
    )
    for text in pages:
        assert "<script>alert" not in text and "<img src=x" not in text
        assert '" hx-get="/logout' not in text and '" hx-post="/logout' not in text
        assert "&lt;script&gt;" in text


def test_money_is_formatted_for_the_users_language(
    app: App, user: Callable[..., Actor], make_client: Callable[..., Client], login: Any
) -> None:
    rep = user("rep1", roles=("rep",), locale="zh_CN")
    client = make_client()
    login(client, "rep1")
    cid = customer(app, rep)
    log(app, rep, cid, "core.purchase", amount="1234.5", currency="CNY")
    log(app, rep, cid, "core.purchase", amount="99", currency="USD")
    log(app, rep, cid, "core.purchase", amount="7")
    text = client.get(f"/customers/{cid}/timeline", headers=HTMX).text
    assert "¥1,234.50" in text and "CN¥" not in text and "US$99.00" in text
    assert ">7.00<" in text
    assert "时间线" in text and "购买" in text  # translated labels
