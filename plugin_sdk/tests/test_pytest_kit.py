"""The SDK's pytest kit: its fixtures used directly, and a vendor's plugin tested with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from guanxi_core import App, ValidationError
from guanxi_core.models import Customer
from guanxi_sdk.pytest_plugin import LoginAs, MakeActivity, MakeCustomer, MakeUser


# -- the fixtures, used directly ---------------------------------------------------------------
def test_by_default_only_the_core_and_the_web_are_registered(guanxi_app: App) -> None:
    assert {slug: s.state for slug, s in guanxi_app.statuses.items()} == {
        "core": "enabled",
        "web": "enabled",
    }
    tables = set(inspect(guanxi_app.engine).get_table_names())
    assert {"customer", "job_run", "web_session"} <= tables


@pytest.mark.parametrize("attempt", [1, 2])
def test_every_test_gets_an_empty_database(
    attempt: int, guanxi_app: App, make_customer: MakeCustomer
) -> None:
    with guanxi_app.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Customer)) == 0
    make_customer()


def test_make_user_gives_the_actor_with_its_roles_permissions(make_user: MakeUser) -> None:
    li = make_user("li", roles=("manager",), team="North", locale="zh_CN")
    assert (li.username, li.roles, li.locale) == ("li", frozenset({"manager"}), "zh_CN")
    assert li.team_id is not None
    assert li.can("core.customer.view_team")
    assert not li.can("core.user.manage")
    with pytest.raises(ValidationError):
        make_user("li")


def test_login_as_a_role_signs_in_a_new_user_holding_it(login_as: LoginAs) -> None:
    manager = login_as("manager")
    assert manager.actor.roles == frozenset({"manager"})
    home = manager.get("/")
    assert home.status_code == 200
    assert '<span class="who">manager</span>' in home.text


def test_login_as_another_name_makes_a_rep_or_the_roles_given(login_as: LoginAs) -> None:
    assert login_as("ada").actor.roles == frozenset({"rep"})
    assert login_as("bo", roles=("manager", "rep")).actor.roles == frozenset({"manager", "rep"})


def test_login_as_an_existing_user_opens_another_session(
    login_as: LoginAs, make_user: MakeUser
) -> None:
    li = make_user("li", roles=("manager",))
    first, second = login_as("li"), login_as("li")
    assert first.actor.id == second.actor.id == li.id
    assert first.csrf_token != second.csrf_token
    assert first.get("/customers").status_code == second.get("/customers").status_code == 200
    with pytest.raises(
        ValueError, match=r"user 'li' exists with roles \['manager'\], not \['rep'\]"
    ):
        login_as("li", roles=("rep",))


def test_unsafe_requests_need_the_clients_csrf_token(login_as: LoginAs) -> None:
    rep = login_as("rep")
    assert rep.csrf() == rep.csrf_token
    assert rep.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert rep.get("/").status_code == 200  # still signed in
    form = rep.post("/logout", data={"csrf_token": rep.csrf_token}, follow_redirects=False)
    assert (form.status_code, form.headers["location"]) == (303, "/login")
    assert rep.get("/", follow_redirects=False).status_code in {302, 303}
    other = login_as("rep")
    header = other.post(
        "/logout", headers={"X-CSRF-Token": other.csrf_token}, follow_redirects=False
    )
    assert header.status_code == 303


def test_the_session_speaks_the_users_language(login_as: LoginAs, make_user: MakeUser) -> None:
    make_user("li", locale="zh_CN")
    assert "客户" in login_as("li").get("/customers").text
    assert "客户" not in login_as("li", locale="en").get("/customers").text
    assert "客户" in login_as("bo", locale="zh_CN").get("/customers").text


def test_make_customer_numbers_names_and_creates_as_the_system(
    make_customer: MakeCustomer, make_user: MakeUser
) -> None:
    first = make_customer()
    ada = make_customer(name="Ada", kind="organization", phones=["+86 10 1234 5678"])
    assert (first["name"], first["kind"], first["owner_id"]) == ("Customer 1", "person", None)
    assert (ada["name"], ada["kind"], ada["phones"]) == (
        "Ada",
        "organization",
        ["+86 10 1234 5678"],
    )
    li = make_user("li")
    mine = make_customer(as_=li)
    assert (mine["name"], mine["owner_id"]) == ("Customer 3", li.id)
    with pytest.raises(ValidationError):
        make_customer(name="")


def test_make_activity_logs_on_a_new_or_given_customer(
    guanxi_app: App, make_activity: MakeActivity, make_customer: MakeCustomer
) -> None:
    note = make_activity("core.note")
    assert (note["kind"], note["subject"]) == ("core.note", "Activity 1")
    ada = make_customer(name="Ada")
    task = make_activity(guanxi_app.kinds["core.task"], ada, subject="Call back")
    assert (task["customer_id"], task["subject"], task["state"]) == (ada.id, "Call back", "open")
    call = make_activity("core.call", ada.id)
    assert (call["customer_id"], call["subject"]) == (ada.id, "Activity 3")
    with pytest.raises(ValidationError):
        make_activity("nope.kind", ada)


# -- a vendor's plugin, tested with the kit in a pytest of its own ----------------------------
VENDOR_PLUGIN = '''
"""A tiny restaurant plugin: a guest tier, reservations with a workflow, a briefing page."""
from typing import Literal

from guanxi_sdk import (
    ActivityKind, CustomerExtension, Field, Filter, Plugin, Redirect, Screen, Transition,
    Workflow, _,
)

plugin = Plugin("vip", _("Restaurant VIP"), templates="guanxi_vipdemo")
plugin.permission("briefing.view", _("See the briefing"))
plugin.role(
    "host",
    _("Host"),
    ["vip.briefing.view", "core.customer.view", "core.customer.view_all", "core.customer.create",
     "core.activity.view", "core.activity.edit"],
)


class Guest(CustomerExtension, plugin=plugin):
    vip_tier: Literal["none", "silver", "gold"] = Field(
        "none", label=_("VIP tier"), filterable=True, list_column=True
    )


reservation = ActivityKind(
    plugin, "reservation", label=_("Reservation"),
    workflow=Workflow(initial="booked", transitions=[
        Transition("seat", "booked", "seated", roles=["host"]),
        Transition("no_show", "booked", "no_show", roles=["host"]),
    ]),
)


@plugin.page("/briefing", label=_("Today's guests"), permission="vip.briefing.view",
             methods=("GET", "POST"))
def briefing(screen: Screen) -> str | Redirect:
    if screen.method == "POST":
        screen.ctx.customers.create({"name": screen.form["name"], "vip.vip_tier": "silver"})
        return screen.redirect("/p/vip/briefing")
    guests = screen.ctx.customers.list([Filter("vip.vip_tier", "ne", "none")]).items
    return screen.render("vip/briefing.html", guests=guests)
'''

VENDOR_TEMPLATE = """<h1>{{ _("Today's guests") }}</h1>
<ul>{% for guest in guests %}<li>{{ guest["name"] }} ({{ guest["vip.vip_tier"] }})</li>{% endfor %}</ul>
<form method="post" action="/p/vip/briefing">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<label for="name">Name</label><input id="name" name="name"><button>Add</button></form>
"""

VENDOR_CONFTEST = """
import pytest

from guanxi_vipdemo import plugin


@pytest.fixture
def guanxi_plugins():
    return [plugin]
"""

VENDOR_TESTS = """
from guanxi_vipdemo import reservation


def test_the_briefing_lists_tiered_guests(login_as, make_customer):
    make_customer(name="Ada", **{"vip.vip_tier": "gold"})
    make_customer(name="Bo")
    page = login_as("host").get("/p/vip/briefing")
    assert page.status_code == 200
    assert "Ada (gold)" in page.text
    assert "Bo" not in page.text


def test_a_rep_may_not_open_the_briefing(login_as):
    assert login_as("rep").get("/p/vip/briefing").status_code == 403


def test_adding_a_guest_needs_the_csrf_token(login_as):
    host = login_as("host")
    assert host.post("/p/vip/briefing", data={"name": "Cy"}).status_code == 403
    added = host.post(
        "/p/vip/briefing", data={"name": "Cy", "csrf_token": host.csrf_token},
        follow_redirects=False,
    )
    assert (added.status_code, added.headers["location"]) == (303, "/p/vip/briefing")
    assert "Cy (silver)" in host.get("/p/vip/briefing").text


def test_the_host_seats_a_booked_reservation(guanxi_app, login_as, make_customer, make_activity):
    host = login_as("host")
    ada = make_customer(name="Ada", owner_id=host.actor.id)
    booked = make_activity(reservation, ada, subject="Table 4")
    assert booked["state"] == "booked"
    seated = host.post(
        f"/activities/{booked.id}/transitions/seat",
        data={"version": booked.version, "csrf_token": host.csrf_token},
        follow_redirects=False,
    )
    assert seated.status_code == 303
    assert guanxi_app.context(host.actor).activities.get(booked.id)["state"] == "seated"


def test_only_hosts_are_offered_the_transitions(guanxi_app, make_user, make_customer, make_activity):
    host = make_user("li", roles=("rep", "host"))
    booked = make_activity(reservation, make_customer(owner_id=host.id))
    offered = guanxi_app.context(host).activities.available_transitions(booked.id)
    assert [t.name for t in offered] == ["seat", "no_show"]
    rep = make_user("bo")
    own = make_activity(reservation, make_customer(owner_id=rep.id))
    assert guanxi_app.context(rep).activities.available_transitions(own.id) == []
"""


@pytest.fixture
def vendor(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A vendor's project: the plugin package and its tests, nothing of this repository."""
    package = pytester.mkpydir("guanxi_vipdemo")
    (package / "__init__.py").write_text(textwrap.dedent(VENDOR_PLUGIN), encoding="utf-8")
    templates = package / "templates" / "vip"
    templates.mkdir(parents=True)
    (templates / "briefing.html").write_text(VENDOR_TEMPLATE, encoding="utf-8")
    tests = pytester.mkdir("tests")
    (tests / "conftest.py").write_text(VENDOR_CONFTEST, encoding="utf-8")
    (tests / "test_vip.py").write_text(VENDOR_TESTS, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    return pytester


def test_a_vendors_plugin_is_tested_with_the_kit(vendor: pytest.Pytester) -> None:
    result = vendor.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", "tests")
    result.assert_outcomes(passed=5)


def test_a_vendor_test_fails_with_the_reason_a_plugin_cannot_load(
    vendor: pytest.Pytester,
) -> None:
    init = vendor.path / "guanxi_vipdemo" / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace(
            'permission="vip.briefing.view"', 'permission="vip.briefing.see"'
        ),
        encoding="utf-8",
    )
    result = vendor.runpytest_subprocess(
        "-p", "no:cacheprovider", "tests/test_vip.py", "-k", "rep_may"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*PluginError: plugins failed to load: vip: page '/briefing': unknown permission*"]
    )


def test_the_kit_makes_no_database_for_tests_that_do_not_ask(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_nothing():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert list(pytester.path.rglob("guanxi-db*")) == []
    assert list(pytester.path.rglob("*.db")) == []


def test_importing_the_kit_does_nothing(tmp_path: Path) -> None:
    code = "import guanxi_sdk.pytest_plugin, os; print(sorted(os.listdir('.')))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout == "[]\n"
    assert done.stderr == ""
