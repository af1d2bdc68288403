"""Activities as the timeline shows them: labels translated, values formatted, buttons chosen.

Everything here runs once per page (one query for the owners' names), never once per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request

from guanxi_core import ActivityKind, App, Record
from guanxi_core.fields import FieldSpec
from guanxi_core.models import utcnow
from guanxi_web.display import Display, format_money
from guanxi_web.state import request_state, web_context
from guanxi_web.views._shared import actor_of, display_for, translate_for

ICONS = {
    "note": "📝",
    "phone": "📞",
    "map-pin": "📍",
    "message": "💬",
    "mail": "✉️",
    "cart": "🛒",
    "check": "✅",
    "calendar": "📅",
    "stethoscope": "🩺",
    "wrench": "🔧",
    "truck": "🚚",
    "star": "⭐",
    "alert": "⚠️",
    "gift": "🎁",
    "utensils": "🍽️",
}
"""Kind icon names as symbols (no icon font or build step); unknown names get a bullet."""


@dataclass
class KindOption:
    """An activity kind as a choice: its key, translated label and icon symbol."""

    key: str
    label: str
    icon: str


@dataclass
class Action:
    """A workflow transition offered on an activity: its name and translated label."""

    name: str
    label: str


@dataclass
class ActivityView:
    """One activity as the timeline shows it, every text already translated and formatted."""

    id: int
    version: int
    customer_id: int
    kind: str
    kind_label: str
    icon: str
    subject: str
    body: str
    when: str
    due: str = ""
    overdue: bool = False
    amount: str = ""
    owner: str = ""
    state: str = ""
    state_label: str = ""
    actions: list[Action] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    can_edit: bool = False
    can_delete: bool = False
    error: str = ""


@dataclass
class TimelineView:
    """A page of a customer's timeline with its filter, quick-log buttons and next page."""

    customer_id: int
    items: list[ActivityView]
    next_url: str | None
    kinds: list[KindOption]
    selected: str
    quick: list[KindOption]
    can_log: bool

    @property
    def url(self) -> str:
        """The timeline's own address (the filter form's target)."""
        return f"/customers/{self.customer_id}/timeline"


def _app(request: Request[Any, Any, Any]) -> App:
    return web_context(request).app


def icon_of(kind: ActivityKind | None) -> str:
    """The symbol shown for a kind."""
    return ICONS.get(kind.icon, "•") if kind is not None else "•"


def kind_options(
    request: Request[Any, Any, Any], keys: Iterable[str] | None = None
) -> list[KindOption]:
    """The registered kinds (or those of `keys` that are registered), labels translated."""
    kinds = _app(request).kinds
    wanted = list(kinds) if keys is None else [k for k in keys if k in kinds]
    return [
        KindOption(k, translate_for(request, kinds[k].label), icon_of(kinds[k])) for k in wanted
    ]


def activity_views(
    request: Request[Any, Any, Any],
    records: Sequence[Record],
    errors: Mapping[int, str] | None = None,
) -> list[ActivityView]:
    """How `records` read on the timeline: one query for owner names, no query per row.

    The transitions offered are those the state, roles and permissions allow (no guard runs
    for a list; a guard refuses, with its reason, when the button is pressed).
    """
    app = _app(request)
    actor = actor_of(request)
    locale = request_state(request).locale
    specs = app.fields.for_entity("activity")
    display: Display = display_for(request, specs, list(records))
    ctx = app.context(actor)
    offered = ctx.activities.offered_transitions(records)
    when_spec = app.fields.get("activity", "occurred_at")
    owner_spec = app.fields.get("activity", "owner_id")
    assert when_spec is not None
    assert owner_spec is not None
    extras: dict[str, list[FieldSpec]] = {}
    can_edit = actor.can("core.activity.edit")
    can_delete = actor.can("core.activity.delete")
    now = utcnow()
    views: list[ActivityView] = []
    for record in records:
        key = str(record.get("kind"))
        kind = app.kinds.get(key)
        if key not in extras:
            extras[key] = [s for s in app.fields.for_entity("activity", key) if s.plugin != "core"]
        workflow = kind.workflow if kind is not None else None
        state = record.get("state") or ""
        due = record.get("due_at")
        waiting = workflow is not None and workflow.is_waiting(state)
        views.append(
            ActivityView(
                id=record.id,
                version=record.version,
                customer_id=int(record["customer_id"]),
                kind=key,
                kind_label=translate_for(request, kind.label) if kind is not None else key,
                icon=icon_of(kind),
                subject=str(record.get("subject") or ""),
                body=str(record.get("body") or ""),
                when=display(when_spec, record.get("occurred_at")),
                due=display(when_spec, due),
                overdue=isinstance(due, datetime) and due < now and waiting,
                amount=format_money(record.get("amount"), record.get("currency"), locale),
                owner=display(owner_spec, record.get("owner_id")),
                state=state,
                state_label=(
                    translate_for(request, workflow.states.get(state, state))
                    if workflow is not None and state
                    else ""
                ),
                actions=[
                    Action(t.name, translate_for(request, t.label or t.name))
                    for t in offered.get(record.id, [])
                ],
                details=[
                    (translate_for(request, s.label), display(s, record.get(s.key)))
                    for s in extras[key]
                    if record.get(s.key) not in (None, "", [])
                ],
                can_edit=can_edit,
                can_delete=can_delete,
                error=(errors or {}).get(record.id, ""),
            )
        )
    return views
