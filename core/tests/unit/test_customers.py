"""Customer services: create, read, update with optimistic locking, delete, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from guanxi_core import App, ConflictError, NotFoundError, ValidationError
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
