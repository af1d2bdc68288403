"""Field values as a user reads them.

Choices are translated, ids become names, and dates and numbers are formatted for the user's
language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from sqlmodel import Session, col, select

from guanxi_core import App
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import LazyText, _
from guanxi_core.models import Team, User

Display = Callable[[FieldSpec, Any], str]


def _names(app: App, references: Mapping[str, set[int]]) -> dict[tuple[str, int], str]:
    """Display names of the referenced users and teams: one query per kind, not per row."""
    names: dict[tuple[str, int], str] = {}
    with Session(app.engine) as session:
        if references.get("user"):
            for user_id, name in session.execute(
                select(User.id, User.display_name).where(col(User.id).in_(references["user"]))
            ):
                names["user", user_id] = name
        if references.get("team"):
            for team_id, name in session.execute(
                select(Team.id, Team.name).where(col(Team.id).in_(references["team"]))
            ):
                names["team", team_id] = name
    return names


def make_display(
    app: App,
    locale: str,
    fields: Iterable[FieldSpec],
    records: Iterable[Mapping[str, Any]],
    translate: Callable[[LazyText | str], str],
) -> Display:
    """A `display(field, value)` for the templates of one page of `records`."""
    fields = list(fields)
    references: dict[str, set[int]] = {}
    for record in records:
        for spec in fields:
            value = record.get(spec.key)
            if spec.references in {"user", "team"} and isinstance(value, int):
                references.setdefault(spec.references, set()).add(value)
    names = _names(app, references)

    def display(spec: FieldSpec, value: Any) -> str:
        if value is None or value == []:
            return ""
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        if spec.choices:
            for choice, label in spec.choices:
                if choice == value:
                    return translate(label)
        if spec.references is not None and isinstance(value, int):
            return names.get((spec.references, value), f"#{value}")
        if isinstance(value, datetime):
            return format_datetime(value, "medium", locale=locale)
        if isinstance(value, date):
            return format_date(value, "medium", locale=locale)
        if isinstance(value, bool):
            return translate(_("Yes") if value else _("No"))
        if isinstance(value, int | float | Decimal):
            return format_decimal(value, locale=locale)
        return str(value)

    return display
