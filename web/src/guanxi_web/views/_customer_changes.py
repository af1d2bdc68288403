"""Audit-log changes of customers as a user reads them: field labels and displayed values.

Used by the history panel and by the message of an edit conflict. Values come from the audit
log's JSON (dates as ISO text, decimals as strings); they are turned back into typed values
and displayed like the page displays them: translated choices, user and team names, dates and
numbers in the user's language. Names are read with one query per kind for a whole page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_datetime
from litestar import Request
from sqlalchemy import Column, Integer, String
from sqlmodel import Session, col, select

from guanxi_core import App, _
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import LazyText
from guanxi_core.models import AuditEntry, Customer, User
from guanxi_web.display import make_display
from guanxi_web.state import request_state, web_context
from guanxi_web.views._shared import actor_of

LONGEST_VALUE = 300

ACTIONS: dict[str, LazyText] = {
    "create": _("Created the customer"),
    "update": _("Changed fields"),
    "delete": _("Deleted the customer"),
    "tag": _("Added tags"),
    "untag": _("Removed tags"),
    "affiliate": _("Linked to an organization"),
    "unaffiliate": _("Unlinked from an organization"),
}

# Keys in the log that are not registry fields.
_TAGS = FieldSpec("tags", "customer", "list", _("Tags"), Column("tags", String))
_ORGANIZATION = FieldSpec(
    "organization_id", "customer", "int", _("Organization"), Column("organization_id", Integer)
)
_TITLE = FieldSpec("title", "customer", "str", _("Job title"), Column("title", String))
_EXTRA = {s.key: s for s in (_TAGS, _ORGANIZATION, _TITLE)}


@dataclass
class Change:
    """One field of a change: its label and the old and new values, displayed."""

    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One entry of the history: when, who, what kind of change, and the fields changed."""

    id: int
    when: str
    who: str
    action: str
    changes: list[Change]


def user_names(app: App, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users by id (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    with Session(app.engine) as session:
        rows = session.execute(select(User.id, User.display_name).where(col(User.id).in_(wanted)))
        return {int(user_id): name for user_id, name in rows}


def format_when(request: Request[Any, Any, Any], value: datetime) -> str:
    """A moment as the user's language writes it."""
    return format_datetime(value, "medium", locale=request_state(request).locale)


def _typed(spec: FieldSpec, value: Any) -> Any:
    """A field value from the log's JSON, typed again for display."""
    if not isinstance(value, str):
        return value
    try:
        if spec.type == "datetime":
            return datetime.fromisoformat(value)
        if spec.type == "date":
            return date.fromisoformat(value)
        if spec.type == "decimal":
            return Decimal(value)
    except (ValueError, InvalidOperation):
        return value
    return value


def _short(text: str) -> str:
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"


def _organization_names(request: Request[Any, Any, Any], ids: set[int]) -> dict[int, str]:
    """Names of the organizations among `ids` that the user may see (one query)."""
    if not ids:
        return {}
    app = web_context(request).app
    visible = app.context(actor_of(request)).customers.visible()
    with Session(app.engine) as session:
        rows = session.execute(
            select(Customer.id, Customer.name).where(col(Customer.id).in_(ids), *visible)
        )
        return {int(i): name for i, name in rows}


def changes_of(
    request: Request[Any, Any, Any], diffs: Iterable[Mapping[str, Any]]
) -> list[list[Change]]:
    """Each diff `{key: [old, new]}` as labelled, displayed changes (in registry order)."""
    app = web_context(request).app
    locale = request_state(request).locale
    diffs = [d if isinstance(d, Mapping) else {} for d in diffs]

    def translate(text: LazyText | str) -> str:
        return app.translator.gettext(text, locale)

    specs: dict[str, FieldSpec] = {}
    for diff in diffs:
        for key in diff:
            spec = app.fields.get("customer", key) or _EXTRA.get(key)
            if spec is None:  # a field of a plugin no longer enabled
                spec = FieldSpec(key, "customer", "str", key, Column(key, String))
            specs[key] = spec
    order = {s.key: n for n, s in enumerate(app.fields.for_entity("customer"))}
    records: list[dict[str, Any]] = []
    org_ids: set[int] = set()
    for diff in diffs:
        for key, pair in diff.items():
            old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
            records.append({key: _typed(specs[key], old)})
            records.append({key: _typed(specs[key], new)})
            if key == "organization_id":
                org_ids.update(v for v in (old, new) if isinstance(v, int))
    display = make_display(app, locale, specs.values(), records, translate)
    organizations = _organization_names(request, org_ids)

    def shown(spec: FieldSpec, value: Any) -> str:
        if spec is _ORGANIZATION and isinstance(value, int):
            return organizations.get(value, f"#{value}")
        return _short(display(spec, _typed(spec, value)))

    result: list[list[Change]] = []
    for diff in diffs:
        rows: list[Change] = []
        for key in sorted(diff, key=lambda k: order.get(k, len(order))):
            pair = diff[key]
            old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
            spec = specs[key]
            rows.append(Change(translate(spec.label) or key, shown(spec, old), shown(spec, new)))
        result.append(rows)
    return result


def history_entries(
    request: Request[Any, Any, Any], entries: list[AuditEntry]
) -> list[HistoryEntry]:
    """Audit entries as the history panel lists them."""
    app = web_context(request).app
    locale = request_state(request).locale
    names = user_names(app, (e.actor_id for e in entries))
    changes = changes_of(request, [e.changes for e in entries])
    system = app.translator.gettext(_("System"), locale)
    result: list[HistoryEntry] = []
    for entry, rows in zip(entries, changes, strict=True):
        label = ACTIONS.get(entry.action)
        result.append(
            HistoryEntry(
                id=entry.id or 0,
                when=format_when(request, entry.at),
                who=names.get(entry.actor_id, f"#{entry.actor_id}")
                if entry.actor_id is not None
                else system,
                action=app.translator.gettext(label, locale) if label else entry.action,
                changes=rows,
            )
        )
    return result
