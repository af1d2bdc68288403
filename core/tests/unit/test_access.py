"""Record-level access: reps see their own customers, managers their team's, admins all."""

from __future__ import annotations

import pytest
from sqlalchemy.sql.elements import ColumnElement

from guanxi_core import App, Filter, NotFoundError, PermissionDenied, Plugin, ValidationError
from guanxi_core.access import Actor
from guanxi_core.models import Customer
from guanxi_core.testing import make_actor


@pytest.fixture
def people(app: App) -> dict[str, Actor]:
    return {
        "admin": make_actor(app, "admin", roles=["admin"]),
        "manager": make_actor(app, "mgr", roles=["manager"], team="north"),
        "li": make_actor(app, "li", team="north"),
        "wang": make_actor(app, "wang", team="north"),
        "zhao": make_actor(app, "zhao", team="south"),
    }


@pytest.fixture
def owned(app: App, people: dict[str, Actor]) -> dict[str, int]:
    ids = {}
    for who in ("li", "wang", "zhao"):
        ids[who] = (
            app.context(people[who])
            .customers.create({"name": f"Client of {who}", "phones": [f"1380000{len(who)}"]})
            .id
        )
    return ids


def names(app: App, actor: Actor) -> list[str]:
    return sorted(r["name"] for r in app.context(actor).customers.list().items)


def test_rep_lists_only_own_customers(
    app: App, people: dict[str, Actor], owned: dict[str, int]
) -> None:
    assert names(app, people["li"]) == ["Client of li"]


def test_manager_lists_team_customers_admin_lists_all(
    app: App, people: dict[str, Actor], owned: dict[str, int]
) -> None:
    assert names(app, people["manager"]) == ["Client of li", "Client of wang"]
    assert len(names(app, people["admin"])) == 3


def test_rep_cannot_read_search_update_delete_or_log_on_others(
    app: App, people: dict[str, Actor], owned: dict[str, int]
) -> None:
    ctx = app.context(people["li"])
    other = owned["wang"]
    with pytest.raises(NotFoundError):
        ctx.customers.get(other)
    with pytest.raises(NotFoundError):
        ctx.customers.view360(other)
    assert [r["name"] for r in ctx.customers.search("client")] == ["Client of li"]
    assert ctx.customers.search("13800004") == []  # wang's phone
    with pytest.raises(NotFoundError):
        ctx.customers.update(other, {"name": "mine now"})
    with pytest.raises(PermissionDenied):
        ctx.customers.delete(other)
    with pytest.raises(ValidationError) as caught:
        ctx.activities.create({"kind": "core.note", "customer_id": other, "subject": "x"})
    assert caught.value.errors[0].field == "customer_id"
    assert ctx.customers.list([Filter("owner_id", "eq", people["wang"].id)]).items == []
    assert app.context(people["admin"]).customers.get(other)["name"] == "Client of wang"


def test_rep_cannot_see_activities_of_others_customers(
    app: App, people: dict[str, Actor], owned: dict[str, int]
) -> None:
    note = app.context(people["wang"]).activities.create(
        {"kind": "core.note", "customer_id": owned["wang"], "subject": "secret"}
    )
    li = app.context(people["li"])
    assert li.activities.list().items == []
    with pytest.raises(NotFoundError):
        li.activities.get(note.id)
    with pytest.raises(NotFoundError):
        li.activities.update(note.id, {"subject": "changed"})


def test_rep_may_not_assign_customers_to_others(app: App, people: dict[str, Actor]) -> None:
    with pytest.raises(ValidationError) as caught:
        app.context(people["li"]).customers.create({"name": "X", "owner_id": people["wang"].id})
    assert caught.value.errors[0].code == "permission"


def test_plugin_rule_narrows_access_and_a_failing_rule_denies(
    make_app: object, db_url: str
) -> None:
    territory = Plugin("territory", "Territory")

    @territory.hook
    def restrict_customers(actor: Actor) -> ColumnElement[bool] | None:
        if actor.is_admin:
            return None
        return Customer.name.startswith("North")  # type: ignore[attr-defined,no-any-return]

    app = make_app(territory)  # type: ignore[operator]
    rep = make_actor(app, "li")
    ctx = app.context(rep)
    ctx.customers.create({"name": "North Clinic"})
    with pytest.raises(NotFoundError):
        # created, but outside the territory: the rule hides it
        ctx.customers.get(ctx.customers.create({"name": "South Clinic"}).id)
    assert [r["name"] for r in ctx.customers.list().items] == ["North Clinic"]

    broken = Plugin("broken", "Broken")

    @broken.hook
    def restrict_customers(actor: Actor) -> ColumnElement[bool] | None:  # noqa: F811
        raise RuntimeError("boom")

    app2 = make_app(broken)  # type: ignore[operator]
    assert app2.context(app2.actor(rep.id)).customers.list().items == []  # type: ignore[arg-type]
