"""Customer services: create, read, update with optimistic locking, delete, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from guanxi_core import App, ConflictError, Filter, NotFoundError, ValidationError
from guanxi_core.access import Actor
from guanxi_core.models import AuditEntry
from guanxi_core.testing import make_actor


def errors_of(exc: ValidationError) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


def test_create_stores_core_fields_and_defaults_owner_to_actor(app: App) -> None:
    rep = make_actor(app, "li", team="north")
    record = app.context(rep).customers.create(
        {"name": "王芳", "phones": "138 0013 8000, +86 10 1234 5678", "emails": ["wf@example.cn"]}
    )
    assert record["name"] == "王芳"
    assert record["phones"] == ["138 0013 8000", "+86 10 1234 5678"]
    assert record["owner_id"] == rep.id
    assert record["team_id"] == rep.team_id
    assert record.version == 1
    assert app.context(rep).customers.get(record.id)["emails"] == ["wf@example.cn"]


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "x" * 201}, "name", "max_length"),
        ({"name": "A", "kind": "robot"}, "kind", "choice"),
        ({"name": "A", "emails": "not-an-email"}, "emails", "format"),
        ({"name": "A", "phones": "call me"}, "phones", "format"),
        ({"name": "A", "owner_id": "abc"}, "owner_id", "type"),
        ({"name": "A", "shoe_size": 42}, "shoe_size", "unknown_field"),
        ({"name": "A", "created_at": "2020-01-01"}, "created_at", "read_only"),
    ],
)
def test_bad_input_gives_field_errors_and_saves_nothing(
    app: App, admin: Actor, values: dict[str, object], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        app.context(admin).customers.create(values)
    assert errors_of(caught.value)[field] == code
    assert app.context(admin).customers.list().items == []


def test_nul_characters_are_dropped_from_text(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    saved = customers.create({"name": "Ac\x00me", "address": "\x00", "phones": "138\x00001"})
    assert (saved["name"], saved["address"], saved["phones"]) == ("Acme", "", ["138001"])


def test_update_with_bad_input_keeps_stored_values(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    saved = customers.create({"name": "Acme", "kind": "organization"})
    with pytest.raises(ValidationError) as caught:
        customers.update(saved.id, {"name": "", "kind": "planet"}, version=saved.version)
    assert errors_of(caught.value) == {"name": "required", "kind": "choice"}
    again = customers.get(saved.id)
    assert (again["name"], again["kind"], again.version) == ("Acme", "organization", 1)


def test_stale_version_is_reported_as_conflict_with_who_changed_what(
    app: App, admin: Actor
) -> None:
    other = make_actor(app, "boss", roles=["admin"])
    customers = app.context(admin).customers
    saved = customers.create({"name": "Acme"})
    app.context(other).customers.update(saved.id, {"name": "Acme Ltd"}, version=1)
    with pytest.raises(ConflictError) as caught:
        customers.update(saved.id, {"name": "ACME"}, version=1)
    conflict = caught.value
    assert conflict.current_version == 2
    assert conflict.changed_by == other.id
    assert conflict.changes["name"] == ["Acme", "Acme Ltd"]
    assert customers.get(saved.id)["name"] == "Acme Ltd"


def test_update_bumps_version_and_writes_audit_diff(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    saved = customers.create({"name": "Acme", "source": "fair"})
    updated = customers.update(saved.id, {"source": "web", "name": "Acme"}, version=1)
    assert updated.version == 2
    history = customers.history(saved.id)
    assert [h.action for h in history] == ["update", "create"]
    assert history[0].changes == {"source": ["fair", "web"]}
    assert history[0].actor_id == admin.id


def test_update_without_changes_keeps_version(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    saved = customers.create({"name": "Acme"})
    assert customers.update(saved.id, {"name": "Acme"}, version=1).version == 1


def test_audit_log_is_append_only(app: App, admin: Actor) -> None:
    app.context(admin).customers.create({"name": "Acme"})
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry)).first()
        assert entry is not None
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE audit_entry SET action = 'x'"))
        session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM audit_entry"))


def test_delete_removes_customer_and_activities_but_keeps_audit(app: App, admin: Actor) -> None:
    ctx = app.context(admin)
    saved = ctx.customers.create({"name": "Acme"})
    ctx.activities.create({"kind": "core.note", "customer_id": saved.id, "subject": "hi"})
    ctx.customers.delete(saved.id, version=1)
    with pytest.raises(NotFoundError):
        ctx.customers.get(saved.id)
    assert ctx.activities.list().items == []
    with Session(app.engine) as session:
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_id == saved.id, AuditEntry.entity == "customer"
            )
        ).all()
    assert sorted(actions) == ["create", "delete"]


def test_tags_and_affiliations_appear_in_360(app: App, admin: Actor) -> None:
    ctx = app.context(admin)
    hospital = ctx.customers.create({"name": "协和医院", "kind": "organization"})
    doctor = ctx.customers.create({"name": "张医生"})
    ctx.customers.affiliate(doctor.id, hospital.id, title="主任医师")
    assert ctx.customers.tag(doctor.id, ["KOL", "VIP", "KOL"]) == ["KOL", "VIP"]
    ctx.activities.create(
        {
            "kind": "core.purchase",
            "customer_id": doctor.id,
            "subject": "Order",
            "amount": "1234.50",
            "currency": "CNY",
        }
    )
    view = ctx.customers.view360(doctor.id)
    assert view.tags == ["KOL", "VIP"]
    assert view.organizations == [{"id": hospital.id, "name": "协和医院", "title": "主任医师"}]
    assert [a["amount"] for a in view.activities] == [Decimal("1234.50")]
    assert ctx.customers.view360(hospital.id).members[0]["name"] == "张医生"


# -- lists with search and tags; tags and bulk changes ---------------------------------------


def audit_actions(app: App, customer_id: int) -> list[tuple[str, dict[str, object]]]:
    with Session(app.engine) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id)
            .order_by(AuditEntry.id)
        ).all()
        return [(e.action, e.changes) for e in entries]


def test_list_combines_search_tags_and_filters(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    zhang = customers.create({"name": "Zhang Wei", "kind": "person"})
    zhang_co = customers.create({"name": "Zhang Trading", "kind": "organization"})
    li = customers.create({"name": "Li Na", "phones": ["138 0013 8000"]})
    customers.tag(zhang.id, ["VIP"])
    customers.tag(li.id, ["KOL"])

    def names(**kwargs: object) -> list[str]:
        return sorted(r["name"] for r in customers.list(**kwargs).items)  # type: ignore[arg-type]

    assert names(search="zhang") == ["Zhang Trading", "Zhang Wei"]
    assert names(search="0013-8000") == ["Li Na"]
    assert names(search="zhang", filters=[Filter("kind", "eq", "organization")]) == [
        "Zhang Trading"
    ]
    assert names(tags=["VIP"]) == ["Zhang Wei"]
    assert names(tags=["VIP", "KOL"]) == ["Li Na", "Zhang Wei"]
    assert names(tags=["VIP"], search="trading") == []
    assert names(tags=["no such tag"]) == []
    assert zhang_co.id not in {r.id for r in customers.list(tags=[" VIP "]).items}
    with pytest.raises(ValidationError):
        customers.list(tags=["x" * 81])


def test_untag_takes_tags_off_and_writes_audit(app: App, admin: Actor) -> None:
    customers = app.context(admin).customers
    saved = customers.create({"name": "Acme"})
    customers.tag(saved.id, ["VIP", "KOL"])
    assert customers.untag(saved.id, ["VIP", "never there"]) == ["KOL"]
    assert customers.untag(saved.id, ["VIP"]) == ["KOL"]  # nothing left to take off
    actions = audit_actions(app, saved.id)
    assert actions[-1] == ("untag", {"tags": [["VIP"], None]})
    assert [a for a, _changes in actions].count("untag") == 1


def test_tag_many_tags_every_customer_once_with_one_audit_entry_each(
    app: App, admin: Actor
) -> None:
    customers = app.context(admin).customers
    a = customers.create({"name": "A"}).id
    b = customers.create({"name": "B"}).id
    c = customers.create({"name": "C"}).id
    customers.tag(a, ["VIP"])
    assert customers.tag_many([a, b, b], ["VIP"]) == 1  # only b is new to the tag
    assert customers.tags_for([a, b, c]) == {a: ["VIP"], b: ["VIP"]}
    assert audit_actions(app, b)[-1] == ("tag", {"tags": [None, ["VIP"]]})
    assert [action for action, _c in audit_actions(app, a)].count("tag") == 1
    assert customers.untag_many([a, b, c], ["VIP"]) == 2
    assert customers.tags_for([a, b, c]) == {}
    assert customers.tag_names() == ["VIP"]


def test_bulk_changes_refuse_invisible_customers_and_change_nothing(app: App) -> None:
    li = make_actor(app, "li")
    wang = make_actor(app, "wang")
    mine = app.context(li).customers.create({"name": "Mine"}).id
    theirs = app.context(wang).customers.create({"name": "Theirs"}).id
    customers = app.context(li).customers
    for call in (
        lambda: customers.tag_many([mine, theirs], ["VIP"]),
        lambda: customers.untag_many([mine, theirs], ["VIP"]),
        lambda: customers.update_many([mine, theirs], {"source": "fair"}),
        lambda: customers.tag_many([mine, 10**9], ["VIP"]),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert mine not in caught.value.entity_id  # type: ignore[operator]
    assert customers.tags_for([mine]) == {}
    assert customers.get(mine)["source"] is None
    assert app.context(wang).customers.tags_for([theirs]) == {}
    assert customers.tags_for([theirs]) == {}  # not visible: not revealed either
    assert [a for a, _c in audit_actions(app, mine)] == ["create"]


def test_update_many_assigns_through_update_with_permission_checks(app: App) -> None:
    manager = make_actor(app, "boss", roles=["manager"], team="north")
    rep = make_actor(app, "li", team="north")
    other = make_actor(app, "wang", team="north")
    ids = [app.context(rep).customers.create({"name": f"C{i}"}).id for i in range(3)]
    with pytest.raises(ValidationError) as caught:  # a rep may not give customers away
        app.context(rep).customers.update_many(ids, {"owner_id": other.id})
    assert errors_of(caught.value) == {"owner_id": "permission"}
    assert app.context(rep).customers.update_many(ids, {"owner_id": rep.id}) == 0
    customers = app.context(manager).customers
    assert customers.update_many(ids, {"owner_id": other.id}) == 3
    assert {customers.get(i)["owner_id"] for i in ids} == {other.id}
    assert audit_actions(app, ids[0])[-1] == ("update", {"owner_id": [rep.id, other.id]})
    with pytest.raises(ValidationError):
        customers.update_many(ids, {"owner_id": "nobody"})
    with pytest.raises(ValidationError) as too_many:
        customers.update_many(range(1, 1002), {"source": "x"})
    assert errors_of(too_many.value) == {"ids": "too_many"}
