"""A plugin adding an extension field, a workflow and a permission, used end to end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pytest

from guanxi_core import (
    ActivityExtension,
    ActivityKind,
    App,
    CustomerExtension,
    Field,
    Filter,
    Plugin,
    Transition,
    ValidationError,
    Workflow,
    WorkflowError,
    _,
)
from guanxi_core.access import Actor
from guanxi_core.services.context import Context
from guanxi_core.testing import make_actor


def make_vip_plugin() -> Plugin:
    plugin = Plugin("vip", _("Restaurant VIP"), requires_core=">=0.1")
    plugin.permission("briefing.view", _("See the pre-shift briefing"))
    plugin.role(
        "host",
        _("Host"),
        [
            "core.customer.view",
            "core.customer.edit",
            "core.activity.view",
            "core.activity.create",
            "core.activity.edit",
            "vip.briefing.view",
        ],
    )

    class Guest(CustomerExtension, plugin=plugin):
        tier: Literal["none", "silver", "gold"] = Field(
            "none", label=_("VIP tier"), filterable=True, sortable=True, list_column=True
        )
        allergies: str | None = Field(None, label=_("Allergies"), max_length=20)
        birthday: date | None = Field(None, label=_("Birthday"))
        spend: Decimal | None = Field(None, label=_("Spend"), sortable=True, min_value=0)

    def table_free(ctx: Context, activity: Any) -> str | None:
        return None if activity.subject != "no table" else "No table is free."

    seated: list[int] = []

    def remember(ctx: Context, activity: Any) -> None:
        seated.append(activity.id)

    reservation = ActivityKind(
        plugin,
        "reservation",
        label=_("Reservation"),
        icon="calendar",
        workflow=Workflow(
            initial="booked",
            transitions=[
                Transition(
                    "seat",
                    "booked",
                    "seated",
                    roles=["host"],
                    guards=[table_free],
                    effects=[remember],
                ),
                Transition("finish", "seated", "finished", roles=["host"]),
                Transition("no_show", "booked", "no_show", roles=["host"]),
                Transition(
                    "comp",
                    "finished",
                    "comped",
                    permission="vip.briefing.view",
                    label=_("Comp the bill"),
                ),
            ],
        ),
    )

    class Booking(ActivityExtension, plugin=plugin, kinds=[reservation]):
        party_size: int = Field(2, label=_("Party size"), required=True, min_value=1, max_value=40)

    plugin.seated = seated  # type: ignore[attr-defined]
    return plugin


@pytest.fixture
def vip(make_app: Callable[..., App]) -> App:
    return make_app(make_vip_plugin())


@pytest.fixture
def host(vip: App) -> Actor:
    return make_actor(vip, "host", roles=["host", "rep"])


def test_extension_fields_are_registered_beside_core_fields(vip: App) -> None:
    keys = [f.key for f in vip.fields.for_entity("customer")]
    assert keys[:2] == ["kind", "name"]
    assert {"vip.tier", "vip.allergies", "vip.birthday", "vip.spend"} <= set(keys)
    tier = vip.fields.get("customer", "vip.tier")
    assert tier is not None and tier.choice_values == ("none", "silver", "gold")
    assert vip.tables == {"vip_guest": "vip", "vip_booking": "vip"}
    assert "vip.briefing.view" in vip.permissions
    assert vip.roles["host"].permissions >= {"vip.briefing.view"}


def test_extension_values_are_saved_read_and_defaulted(vip: App, host: Actor) -> None:
    customers = vip.context(host).customers
    saved = customers.create({"name": "Ms Chen", "vip.tier": "gold", "vip.birthday": "1980-05-04"})
    assert saved["vip.tier"] == "gold"
    assert saved["vip.birthday"] == date(1980, 5, 4)
    assert customers.create({"name": "Mr Wu"})["vip.tier"] == "none"
    updated = customers.update(saved.id, {"vip.allergies": "peanuts"}, version=1)
    assert (updated["vip.allergies"], updated["vip.tier"], updated.version) == (
        "peanuts",
        "gold",
        2,
    )
    assert customers.history(saved.id)[0].changes == {"vip.allergies": [None, "peanuts"]}


def test_extension_field_errors_are_field_level_and_nothing_changes(vip: App, host: Actor) -> None:
    customers = vip.context(host).customers
    saved = customers.create({"name": "Ms Chen", "vip.tier": "gold"})
    with pytest.raises(ValidationError) as caught:
        customers.update(
            saved.id,
            {
                "vip.tier": "platinum",
                "vip.allergies": "x" * 21,
                "vip.birthday": "tomorrow",
                "vip.spend": "-5",
            },
            version=1,
        )
    assert {e.field: e.code for e in caught.value.errors} == {
        "vip.tier": "choice",
        "vip.allergies": "max_length",
        "vip.birthday": "type",
        "vip.spend": "min_value",
    }
    assert customers.get(saved.id)["vip.tier"] == "gold"
    assert customers.get(saved.id).version == 1


def test_lists_filter_and_sort_on_extension_fields_with_keyset_pages(vip: App, host: Actor) -> None:
    customers = vip.context(host).customers
    for i, tier in enumerate(["gold", "silver", "gold", "none", "gold", "gold"]):
        spend = None if i == 4 else Decimal(100 * (6 - i))
        customers.create({"name": f"Guest {i}", "vip.tier": tier, "vip.spend": spend})
    seen: list[str] = []
    page = customers.list([Filter("vip.tier", "eq", "gold")], sort="vip.spend", limit=2)
    while True:
        seen += [r["name"] for r in page.items]
        if page.next_cursor is None:
            break
        page = customers.list(
            [Filter("vip.tier", "eq", "gold")], sort="vip.spend", limit=2, cursor=page.next_cursor
        )
    # ascending spend (Guest 5: 100, Guest 2: 400, Guest 0: 600), then no spend (Guest 4)
    assert seen == ["Guest 5", "Guest 2", "Guest 0", "Guest 4"]
    desc = customers.list([Filter("vip.tier", "in", ["gold", "silver"])], sort="-vip.spend")
    assert [r["name"] for r in desc.items] == [
        "Guest 0",
        "Guest 1",
        "Guest 2",
        "Guest 5",
        "Guest 4",
    ]


def test_list_refuses_unknown_filter_sort_and_cursor(vip: App, host: Actor) -> None:
    customers = vip.context(host).customers
    with pytest.raises(ValidationError) as caught:
        customers.list([Filter("vip.allergies", "eq", "x")])
    assert caught.value.errors[0].code == "not_filterable"
    with pytest.raises(ValidationError):
        customers.list([Filter("vip.tier", "eq", "platinum")])
    with pytest.raises(ValidationError):
        customers.list(sort="phones")
    from guanxi_core import QueryError

    with pytest.raises(QueryError):
        customers.list(cursor="garbage!")


def test_activity_kind_with_workflow_fields_and_transitions(vip: App, host: Actor) -> None:
    ctx = vip.context(host)
    guest = ctx.customers.create({"name": "Ms Chen"})
    booking = ctx.activities.create(
        {
            "kind": "vip.reservation",
            "customer_id": guest.id,
            "subject": "Dinner",
            "vip.party_size": "6",
        }
    )
    assert (booking["state"], booking["vip.party_size"]) == ("booked", 6)
    assert [t.name for t in ctx.activities.available_transitions(booking.id)] == ["seat", "no_show"]
    seated = ctx.activities.transition(booking.id, "seat", version=booking.version)
    assert seated["state"] == "seated"
    assert vip.plugin("vip").seated == [booking.id]  # type: ignore[attr-defined]
    history = ctx.activities.transition(seated.id, "finish")
    assert history["state"] == "finished"
    assert [t.name for t in ctx.activities.available_transitions(booking.id)] == ["comp"]
    with pytest.raises(WorkflowError):
        ctx.activities.transition(booking.id, "seat")


def test_transition_refused_by_role_and_guard(vip: App, host: Actor) -> None:
    ctx = vip.context(host)
    guest = ctx.customers.create({"name": "Ms Chen"})
    booking = ctx.activities.create(
        {
            "kind": "vip.reservation",
            "customer_id": guest.id,
            "subject": "no table",
        }
    )
    assert [t.name for t in ctx.activities.available_transitions(booking.id)] == ["no_show"]
    with pytest.raises(WorkflowError, match="No table is free"):
        ctx.activities.transition(booking.id, "seat")
    rep = make_actor(vip, "rep", roles=["rep"])
    admin = make_actor(vip, "boss", roles=["admin"])
    admin_ctx = vip.context(admin)
    mine = admin_ctx.customers.create({"name": "Rep's guest", "owner_id": rep.id})
    other = admin_ctx.activities.create(
        {
            "kind": "vip.reservation",
            "customer_id": mine.id,
            "subject": "Lunch",
        }
    )
    rep_ctx = vip.context(rep)
    assert rep_ctx.activities.available_transitions(other.id) == []
    with pytest.raises(WorkflowError, match="role"):
        rep_ctx.activities.transition(other.id, "seat")
    assert rep_ctx.activities.get(other.id)["state"] == "booked"


def test_activity_extension_fields_apply_only_to_their_kind(vip: App, host: Actor) -> None:
    ctx = vip.context(host)
    guest = ctx.customers.create({"name": "Ms Chen"})
    with pytest.raises(ValidationError) as caught:
        ctx.activities.create(
            {
                "kind": "core.note",
                "customer_id": guest.id,
                "subject": "x",
                "vip.party_size": 3,
            }
        )
    assert caught.value.errors[0].code == "unknown_field"
    with pytest.raises(ValidationError) as caught:
        ctx.activities.create(
            {
                "kind": "vip.reservation",
                "customer_id": guest.id,
                "subject": "x",
                "vip.party_size": 0,
            }
        )
    assert caught.value.errors[0].code == "min_value"
    assert ctx.activities.timeline(guest.id).items == []


def test_hooks_see_saves_and_can_refuse_them(make_app: Callable[..., App]) -> None:
    audit: list[tuple[str, bool]] = []
    plugin = Plugin("watch", "Watcher")

    @plugin.hook
    def before_customer_save(
        ctx: Context, customer: Any, changes: dict[str, Any], created: bool
    ) -> None:
        if customer.name == "Forbidden":
            from guanxi_core import FieldError

            raise ValidationError([FieldError("name", "reserved", _("This name is reserved."))])

    @plugin.hook
    def after_customer_save(
        ctx: Context, customer: Any, changes: dict[str, Any], created: bool
    ) -> None:
        audit.append((customer.name, created))

    app = make_app(plugin)
    admin = make_actor(app, "admin", roles=["admin"])
    customers = app.context(admin).customers
    saved = customers.create({"name": "Fine"})
    customers.update(saved.id, {"name": "Finer"})
    with pytest.raises(ValidationError):
        customers.create({"name": "Forbidden"})
    assert audit == [("Fine", True), ("Finer", False)]
    assert len(customers.list().items) == 1


def test_keyset_pages_through_ties_and_nulls_without_skipping_or_repeating(
    vip: App, host: Actor
) -> None:
    customers = vip.context(host).customers
    spends = [300, 100, None, 100, 200, 100, None, 300, 100]
    ids = [customers.create({"name": f"G{i}", "vip.spend": s}).id for i, s in enumerate(spends)]
    for sort in ("vip.spend", "-vip.spend"):
        seen: list[int] = []
        page = customers.list(sort=sort, limit=2)
        while True:
            seen += [r.id for r in page.items]
            if page.next_cursor is None:
                break
            page = customers.list(sort=sort, limit=2, cursor=page.next_cursor)
        with_spend = sorted(
            (i for i, s in zip(ids, spends, strict=True) if s is not None),
            key=lambda i: (spends[ids.index(i)], i),
            reverse=sort.startswith("-"),
        )
        nulls = sorted(
            (i for i, s in zip(ids, spends, strict=True) if s is None),
            reverse=sort.startswith("-"),
        )
        assert seen == with_spend + nulls


def test_a_transition_can_require_a_plugin_permission(vip: App, host: Actor) -> None:
    ctx = vip.context(host)
    guest = ctx.customers.create({"name": "Ms Chen"})
    booking = ctx.activities.create(
        {"kind": "vip.reservation", "customer_id": guest.id, "subject": "Dinner"}
    )
    ctx.activities.transition(booking.id, "seat")
    ctx.activities.transition(booking.id, "finish")
    assert [t.name for t in ctx.activities.available_transitions(booking.id)] == ["comp"]
    waiter = make_actor(vip, "waiter", roles=["rep"])
    boss = make_actor(vip, "boss", roles=["admin"])
    vip.context(boss).customers.update(guest.id, {"owner_id": waiter.id})
    waiter_ctx = vip.context(waiter)
    assert waiter_ctx.activities.available_transitions(booking.id) == []
    with pytest.raises(WorkflowError):
        waiter_ctx.activities.transition(booking.id, "comp")
    assert waiter_ctx.activities.get(booking.id)["state"] == "finished"
    assert vip.context(boss).activities.transition(booking.id, "comp")["state"] == "comped"
