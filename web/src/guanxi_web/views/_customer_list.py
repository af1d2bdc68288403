"""What the customers list shows, read from its query string and written back into links.

Search, filters, sort and columns are GET parameters, so a list can be bookmarked, shared,
saved as a view and walked with the back button. Filters and columns come from the field
registry (core and plugin fields alike):

- `f.<key>=v`: a select (choice, yes/no, owner, team) or a text box (equals / contains);
- `from.<key>=v`, `to.<key>=v`: a range of numbers or dates (date-times by whole days, UTC);
- `tag=name` (repeatable: any of the tags), `q=text` (name, phone or e-mail contains);
- `sort=key` or `sort=-key`, `cols=key` (repeatable; absent: the registry's list columns),
  `cursor=...` (keyset position), `view=id` (the saved view being looked at).

Bad values never reach the database: each becomes a message beside its control.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from guanxi_core import App, Filter, QueryError
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import LazyText, _
from guanxi_core.services.records import decode_cursor

PATH = "/customers"
DEFAULT_SORT = "-updated_at"
TAGS = "tags"
MAX_TEXT = 200
MAX_PAIRS = 300
MAX_TAG = 80
MAX_INT = 2**63 - 1
NONE = "none"
"""The select value meaning "no owner" / "no team"."""
SEARCH_COVERS = frozenset({"name"})
"""Filterable fields the search box already covers (a trigram-indexed contains)."""
_NUMBERS = {"int", "float", "decimal"}
_DATES = {"date", "datetime"}
_UNSAFE_ID = re.compile(r"[^a-z0-9_-]")
_DIGITS = re.compile(r"[0-9]{1,19}")

Translate = Callable[..., str]


@dataclass
class Option:
    """One choice of a select: the submitted value and its translated label."""

    value: str
    label: str


@dataclass
class FilterControl:
    """One filter of the list's form.

    Attributes:
        key: the field key, or `tags`.
        label: the translated label.
        widget: `select`, `range` (from–to) or `text`.
        input_type: the `<input type>` of a range or text control (`date`, `number`, `text`).
        names: the query parameters it reads (one, or the from and to of a range).
        values: the raw value of each parameter (what the control shows).
        options: the choices of a select (filled in for the full page only).
        error: a translated message about the user's input, "" when fine.
        spec: the registry field (None for tags).
    """

    key: str
    label: str
    widget: str
    input_type: str
    names: tuple[str, ...]
    values: dict[str, str] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)
    error: str = ""
    spec: FieldSpec | None = None

    @property
    def dom_id(self) -> str:
        """The element id prefix of this control (field keys may hold dots)."""
        return "filter-" + _UNSAFE_ID.sub("-", self.key.lower())

    @property
    def active(self) -> bool:
        """Whether the user set this filter."""
        return any(self.values.values())

    def value(self, name: str | None = None) -> str:
        """The raw value of parameter `name` (the first one by default)."""
        return self.values.get(name or self.names[0], "")


@dataclass
class Column:
    """A column the list can show: a registry field or the tags."""

    key: str
    label: str
    spec: FieldSpec | None
    sortable: bool
    default: bool


@dataclass
class ListState:
    """The list a request asks for, and what was wrong with the asking.

    Attributes:
        q: the search text.
        controls: every filter control, in registry order, tags last.
        filters: the core filters of the valid controls.
        tags: the tag names filtered on.
        sort: the sort key (`-` for descending).
        columns: the keys of the columns shown (name first).
        available: every column that may be shown, name first.
        cursor: the keyset position of the page asked for.
        view_id: the saved view the user opened, if any.
        errors: translated messages not about one filter (sort, cursor, unknown filters).
    """

    q: str
    controls: list[FilterControl]
    filters: list[Filter]
    tags: list[str]
    sort: str
    columns: list[str]
    available: list[Column]
    cursor: str | None = None
    view_id: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether the list can be read: no message about any parameter."""
        return not self.errors and not any(c.error for c in self.controls)

    @property
    def filter_count(self) -> int:
        """How many filters the user set."""
        return sum(1 for c in self.controls if c.active)

    @property
    def shown(self) -> list[Column]:
        """The columns shown, name first, then in registry order."""
        return [c for c in self.available if c.key in self.columns]

    def pairs(self, *, sort: str | None = None) -> list[tuple[str, str]]:
        """The canonical query parameters (no cursor, no view): what a saved view stores."""
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for control in self.controls:
            if control.key == TAGS:
                pairs += [("tag", tag) for tag in self.tags]
            else:
                pairs += [(n, control.values[n]) for n in control.names if control.values.get(n)]
        sort = self.sort if sort is None else sort
        if sort != DEFAULT_SORT:
            pairs.append(("sort", sort))
        if self.columns != [c.key for c in self.available if c.default or c.key == "name"]:
            chosen = [key for key in self.columns if key != "name"] or ["name"]
            pairs += [("cols", key) for key in chosen]
        return pairs

    def query(self) -> str:
        """The canonical query string (what a saved view stores)."""
        return urlencode(self.pairs())

    def url(self, *, cursor: str | None = None, sort: str | None = None) -> str:
        """The address of this list (at `cursor`, or sorted by `sort`), with the open view."""
        pairs = self.pairs(sort=sort)
        if cursor:
            pairs.append(("cursor", cursor))
        if self.view_id is not None:
            pairs.append(("view", str(self.view_id)))
        return PATH + ("?" + urlencode(pairs) if pairs else "")

    @property
    def sort_key(self) -> str:
        """The field the list is sorted by."""
        return self.sort.lstrip("-")

    def aria_sort(self, key: str) -> str | None:
        """`ascending` or `descending` for the column sorted by, None for the others."""
        if key != self.sort_key:
            return None
        return "descending" if self.sort.startswith("-") else "ascending"

    def sort_url(self, column: Column) -> str:
        """Where a click on `column`'s header leads: its other direction, or its natural one."""
        if column.key == self.sort_key:
            flipped = self.sort_key if self.sort.startswith("-") else "-" + self.sort_key
            return self.url(sort=flipped)
        newest_first = column.spec is not None and column.spec.type in _NUMBERS | _DATES
        return self.url(sort=("-" if newest_first else "") + column.key)


def row_id(value: object) -> int | None:
    """`value` as a row id (a decimal number from 1 to 2**63-1), or None."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_INT else None


class _Refused(Exception):
    def __init__(self, message: LazyText, **params: Any) -> None:
        self.message = message
        self.params = params


def _multi(params: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for count, (name, value) in enumerate(params):
        if count >= MAX_PAIRS:
            break
        found.setdefault(name, []).append(value)
    return found


def _integer(text: str) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        raise _Refused(_("Enter a whole number.")) from None
    if abs(number) > MAX_INT:
        raise _Refused(_("Enter a smaller number."))
    return number


def _number(spec: FieldSpec, text: str) -> Any:
    if spec.type == "int":
        return _integer(text)
    try:
        number = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise _Refused(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) > MAX_INT:
        raise _Refused(_("Enter a number."))
    return float(number) if spec.type == "float" else number


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _Refused(_("Enter a date as YYYY-MM-DD.")) from None


def _range_filters(spec: FieldSpec, low: str, high: str) -> list[Filter]:
    """`ge`/`le` filters of a from–to control; date-times cover the whole "to" day (UTC)."""
    found: list[Filter] = []
    if spec.type in _NUMBERS:
        if low:
            found.append(Filter(spec.key, "ge", _number(spec, low)))
        if high:
            found.append(Filter(spec.key, "le", _number(spec, high)))
        return found
    start = _day(low) if low else None
    end = _day(high) if high else None
    if start and end and end < start:
        raise _Refused(_("The end date is before the start date."))
    if spec.type == "date":
        found += [Filter(spec.key, "ge", start)] if start else []
        found += [Filter(spec.key, "le", end)] if end else []
        return found
    if start:
        found.append(Filter(spec.key, "ge", datetime.combine(start, time.min, UTC)))
    if end and end < date.max:  # up to the last day of the calendar: no upper bound
        following = end + timedelta(days=1)
        found.append(Filter(spec.key, "lt", datetime.combine(following, time.min, UTC)))
    return found


def _select_filter(spec: FieldSpec, value: str) -> Filter:
    if spec.references in {"user", "team"}:
        if value == NONE:
            return Filter(spec.key, "isnull")
        if not _DIGITS.fullmatch(value):
            if value.isascii() and value.isdigit():
                raise _Refused(_("Enter a smaller number."))
            raise _Refused(_("Choose one of the listed values."))
        return Filter(spec.key, "eq", _integer(value))
    if spec.type == "bool":
        if value not in {"yes", "no"}:
            raise _Refused(_("Choose one of the listed values."))
        return Filter(spec.key, "eq", value == "yes")
    for allowed in spec.choice_values:
        if value == str(allowed):
            return Filter(spec.key, "eq", allowed)
    raise _Refused(_("Choose one of the listed values."))


def _widget(spec: FieldSpec) -> tuple[str, str]:
    """The control (`select`, `range`, `text`) and input type fitting a field."""
    if spec.references in {"user", "team"} or spec.type in {"choice", "bool"}:
        return "select", ""
    if spec.type in _NUMBERS:
        return "range", "number"
    if spec.type in _DATES:
        return "range", "date"
    return "text", "text"


def filter_controls(app: App, translate: Translate) -> list[FilterControl]:
    """A control for every filterable customer field (core and plugins), and one for tags."""
    controls: list[FilterControl] = []
    for spec in app.fields.for_entity("customer"):
        if not spec.filterable or spec.key in SEARCH_COVERS:
            continue
        widget, input_type = _widget(spec)
        if spec.references is not None and spec.references not in {"user", "team"}:
            continue  # an id of a record kind the list cannot offer as a choice
        names = (f"from.{spec.key}", f"to.{spec.key}") if widget == "range" else (f"f.{spec.key}",)
        controls.append(
            FilterControl(spec.key, translate(spec.label), widget, input_type, names, spec=spec)
        )
    controls.append(FilterControl(TAGS, translate(_("Tag")), "select", "", ("tag",)))
    return controls


def columns_of(app: App, translate: Translate) -> list[Column]:
    """Every column the customers list can show: name first, registry order, tags last."""
    columns = [
        Column(s.key, translate(s.label), s, s.sortable, s.list_column)
        for s in app.fields.for_entity("customer")
    ]
    columns.sort(key=lambda c: c.key != "name")
    columns.append(Column(TAGS, translate(_("Tags")), None, False, True))
    return columns


def _read_control(control: FilterControl, params: dict[str, list[str]]) -> list[Filter]:
    """Fill `control` from the parameters; its core filters (or `_Refused`)."""
    for name in control.names:
        value = (params.get(name) or [""])[0].strip()
        control.values[name] = value
        if len(value) > MAX_TEXT:
            raise _Refused(_("At most {max} characters."), max=MAX_TEXT)
    spec = control.spec
    if spec is None or not control.active:
        return []
    if control.widget == "range":
        return _range_filters(spec, *(control.values[n] for n in control.names))
    value = control.value()
    if control.widget == "select":
        return [_select_filter(spec, value)]
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _Refused(_("At most {max} characters."), max=spec.max_length)
    return [Filter(spec.key, "contains" if spec.type in {"text", "list"} else "eq", value)]


def _cursor_error(cursor: str) -> LazyText | None:
    try:
        position = decode_cursor(cursor)
    except QueryError:
        return _("This page link is no longer valid. Start again from the first page.")
    if not 0 < position["id"] <= MAX_INT:
        return _("This page link is no longer valid. Start again from the first page.")
    return None


def read_state(
    app: App, params: Sequence[tuple[str, str]] | Iterable[tuple[str, str]], translate: Translate
) -> ListState:
    """The list asked for by query parameters `params`; messages for what is wrong in them."""
    found = _multi(params)
    errors: list[str] = []
    q = (found.get("q") or [""])[0].strip()
    if len(q) > MAX_TEXT:
        errors.append(translate(_("Enter at most {max} characters to search."), max=MAX_TEXT))
        q = q[:MAX_TEXT]
    controls = filter_controls(app, translate)
    filters: list[Filter] = []
    tags = [t.strip() for t in found.get("tag", []) if t.strip()][:20]
    for control in controls:
        try:
            filters += _read_control(control, found)
            if control.key == TAGS and any(len(t) > MAX_TAG for t in tags):
                raise _Refused(_("At most {max} characters."), max=MAX_TAG)
        except _Refused as refused:
            control.error = translate(refused.message, **refused.params)
    known = {name for control in controls for name in control.names}
    for name in found:
        if name.startswith(("f.", "from.", "to.")) and name not in known:
            key = name.split(".", 1)[1]
            errors.append(translate(_("The list cannot be filtered on “{field}”."), field=key))
    sort = (found.get("sort") or [DEFAULT_SORT])[0].strip() or DEFAULT_SORT
    spec = app.fields.get("customer", sort[1:] if sort.startswith("-") else sort)
    if spec is None or not spec.sortable:
        errors.append(translate(_("The list cannot be sorted by “{field}”."), field=sort[:80]))
        sort = DEFAULT_SORT
    available = columns_of(app, translate)
    if "cols" in found:
        chosen = set(found["cols"]) | {"name"}
        columns = [c.key for c in available if c.key in chosen]
    else:
        columns = [c.key for c in available if c.default or c.key == "name"]
    cursor = (found.get("cursor") or [""])[0] or None
    if cursor is not None:
        problem = _cursor_error(cursor[:2000])
        if problem is not None:
            errors.append(translate(problem))
            cursor = None
    view = (found.get("view") or [""])[0]
    view_id = row_id(view)
    return ListState(
        q=q,
        controls=controls,
        filters=filters,
        tags=tags,
        sort=sort,
        columns=columns,
        available=available,
        cursor=cursor,
        view_id=view_id,
        errors=errors,
    )


def sort_options(state: ListState, translate: Translate) -> list[Option]:
    """Every way the list can be sorted, both directions, for the "Sort by" select."""
    options: list[Option] = []
    for column in state.available:
        spec = column.spec
        if spec is None or not spec.sortable:
            continue
        if spec.type in _DATES:
            up, down = _("{field}, oldest first"), _("{field}, newest first")
        elif spec.type in _NUMBERS:
            up, down = _("{field}, lowest first"), _("{field}, highest first")
        else:
            up, down = _("{field}, A to Z"), _("{field}, Z to A")
        options.append(Option(spec.key, translate(up, field=column.label)))
        options.append(Option("-" + spec.key, translate(down, field=column.label)))
    return options
