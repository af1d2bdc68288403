"""Forms generated from field metadata: controls, the user's input, errors next to the field.

A view turns registry fields into `FormField`s with `form_fields`, renders them with the
`render_fields` macro of `web/forms/_fields.html`, and turns the posted form back into values
for the services with `read_form`. The services validate and convert; a `ValidationError` goes
back into `form_fields` so each message lands beside its field, in the user's language, with
the user's input kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from litestar import Request
from sqlmodel import Session, col, select

from guanxi_core import App, ValidationError
from guanxi_core.errors import FieldError
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import _
from guanxi_core.models import Team, User
from guanxi_web.state import request_state, web_context

_TRUE = {"1", "true", "on", "yes"}
SELECTABLE_REFERENCES = frozenset({"user", "team"})
"""Id fields pointing at these are chosen from a list of names."""
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")

ONE_PER_LINE = _("One per line.")
REQUIRED = _("required")


@dataclass
class Option:
    """One choice of a select: the submitted value and its translated label."""

    value: str
    label: str


@dataclass
class FormField:
    """One control of a generated form.

    Attributes:
        spec: the registry field.
        value: what the control shows: the user's raw input after a refused save, the stored
            value otherwise.
        errors: translated messages about this field.
        label: the translated label.
        help: the translated help text ("" for none).
        options: the choices of a select (translated labels); empty for other controls.
        required_text: the translated word for the required marker ("" when optional).
        prefix: what the element ids start with (forms sharing a page use different ones).
        autofocus: whether the control takes the focus when shown (the first with an error).
    """

    spec: FieldSpec
    value: Any
    errors: list[str] = field(default_factory=list)
    label: str = ""
    help: str = ""
    options: list[Option] = field(default_factory=list)
    required_text: str = ""
    prefix: str = "f"
    autofocus: bool = False

    @property
    def name(self) -> str:
        """The control's `name`: the field key (`vip.allergies`)."""
        return self.spec.key

    @property
    def id(self) -> str:
        """The control's element id."""
        return f"{self.prefix}-{_UNSAFE_ID.sub('-', self.spec.key)}"

    @property
    def help_id(self) -> str:
        """The id of the help text."""
        return f"{self.id}-help"

    @property
    def error_id(self) -> str:
        """The id of the error messages."""
        return f"{self.id}-error"

    @property
    def described_by(self) -> str:
        """The `aria-describedby` value: the help text and the errors, as present."""
        ids = ([self.help_id] if self.help else []) + ([self.error_id] if self.errors else [])
        return " ".join(ids)

    @property
    def control(self) -> str:
        """Which control renders it: select, checkbox, textarea, date, datetime, number, text."""
        spec = self.spec
        if spec.type == "bool":
            return "checkbox"
        if spec.choices or spec.references in SELECTABLE_REFERENCES:
            return "select"
        if spec.type in {"text", "list"}:
            return "textarea"
        if spec.type == "date":
            return "date"
        if spec.type == "datetime":
            return "datetime"
        if spec.type in {"int", "float", "decimal"}:
            return "number"
        return "text"

    @property
    def step(self) -> str:
        """The `step` of a number control."""
        return {"int": "1", "decimal": "0.01"}.get(self.spec.type, "any")

    @property
    def text(self) -> str:
        """The value as the control's text."""
        return control_text(self.spec, self.value)

    @property
    def checked(self) -> bool:
        """Whether a checkbox is ticked."""
        value = self.value
        if isinstance(value, list):
            return any(str(v).strip().lower() in _TRUE for v in value)
        if isinstance(value, str):
            return value.strip().lower() in _TRUE
        return bool(value)

    @property
    def rows(self) -> int:
        """The height of a textarea."""
        if self.spec.type == "list":
            return max(2, min(8, self.text.count("\n") + 2))
        return 4


def control_text(spec: FieldSpec, value: Any) -> str:
    """How `value` of `spec` reads inside an input (ISO dates, one list item per line)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _reference_options(app: App, kinds: set[str]) -> dict[str, list[Option]]:
    """Active users and teams as select options (one query per kind on the form)."""
    options: dict[str, list[Option]] = {}
    if not kinds & SELECTABLE_REFERENCES:
        return options
    with Session(app.engine) as session:
        if "user" in kinds:
            users = session.execute(
                select(User.id, User.display_name)
                .where(col(User.is_active))
                .order_by(col(User.display_name), col(User.id))
            )
            options["user"] = [Option(str(i), name) for i, name in users]
        if "team" in kinds:
            teams = session.execute(select(Team.id, Team.name).order_by(col(Team.name)))
            options["team"] = [Option(str(i), name) for i, name in teams]
    return options


def translate_error(request: Request[Any, Any, Any], error: FieldError) -> str:
    """`error`'s message in the language of this request, its placeholders filled."""
    app = web_context(request).app
    return app.translator.gettext(error.message, request_state(request).locale, **error.params)


def form_fields(
    request: Request[Any, Any, Any],
    specs: Iterable[FieldSpec],
    values: Mapping[str, Any],
    error: ValidationError | None = None,
    raw: Mapping[str, Any] | None = None,
    *,
    prefix: str = "f",
) -> list[FormField]:
    """The controls of a form over `specs`.

    Args:
        request: the request (for the language and the app).
        specs: the fields, in display order.
        values: the stored values by field key (a record's `values`, or defaults).
        error: the refusal of the last save, whose messages go next to their fields.
        raw: the user's input by field key (from `read_form`), shown instead of `values`.
        prefix: what the element ids start with.

    Returns:
        One `FormField` per spec.
    """
    app = web_context(request).app
    locale = request_state(request).locale
    specs = list(specs)

    def tr(text: Any) -> str:
        return app.translator.gettext(text, locale) if text else ""

    references = _reference_options(
        app, {s.references for s in specs if s.references and not s.choices}
    )
    by_field = error.by_field() if error is not None else {}
    fields: list[FormField] = []
    for spec in specs:
        value = raw[spec.key] if raw is not None and spec.key in raw else values.get(spec.key)
        if spec.choices:
            options = [Option(str(v), tr(label)) for v, label in spec.choices]
        else:
            options = list(references.get(spec.references or "", []))
        help_text = (
            tr(spec.help) if spec.help else (tr(ONE_PER_LINE) if spec.type == "list" else "")
        )
        fields.append(
            FormField(
                spec=spec,
                value=value,
                errors=[translate_error(request, e) for e in by_field.get(spec.key, [])],
                label=tr(spec.label) or spec.key,
                help=help_text,
                options=options,
                required_text=tr(REQUIRED) if spec.required else "",
                prefix=prefix,
            )
        )
    return fields


def _values_of(form: Mapping[str, Any], key: str) -> list[str] | None:
    """Every value posted under `key` (None when the key was not posted at all)."""
    getall = getattr(form, "getall", None)
    if getall is not None:
        found = [v for v in getall(key, []) if isinstance(v, str)]
        return found if found or key in form else None
    if key not in form:
        return None
    value = form[key]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def read_form(specs: Iterable[FieldSpec], form: Mapping[str, Any]) -> dict[str, Any]:
    """Turn posted form data into input values for the services (which validate and convert).

    Fields not posted at all are left out (so they keep their stored values); an empty input
    becomes None; a checkbox is True when ticked (the hidden `0` beside it marks it posted);
    a list field gives its non-empty lines (or several posted values). NUL characters are
    dropped.

    Args:
        specs: the fields the form shows.
        form: the posted data; a value may be a string or a list of strings.

    Returns:
        Field key → raw value.
    """
    values: dict[str, Any] = {}
    for spec in specs:
        posted = _values_of(form, spec.key)
        if posted is None:
            continue
        # A NUL never comes from a person typing, and PostgreSQL refuses it in text.
        posted = [v.replace("\x00", "") for v in posted]
        if spec.type == "bool":
            values[spec.key] = any(v.strip().lower() in _TRUE for v in posted)
        elif spec.type == "list":
            items = [line.strip() for v in posted for line in v.splitlines() if line.strip()]
            values[spec.key] = items or None
        else:
            text = posted[-1] if posted else ""
            values[spec.key] = text if text.strip() else None
    return values


def non_field_errors(
    request: Request[Any, Any, Any],
    error: ValidationError,
    specs: Iterable[FieldSpec] | None = None,
) -> list[str]:
    """The translated messages that belong to no control of the form.

    Args:
        request: the request (for the language).
        error: the refusal.
        specs: the fields the form shows; errors of other fields are included too, so that
            no message is lost. Without it only record-wide errors (field `""`) are returned.

    Returns:
        The messages, in order.
    """
    shown = {s.key for s in specs} if specs is not None else None
    return [
        translate_error(request, e)
        for e in error.errors
        if not e.field or (shown is not None and e.field not in shown)
    ]


__all__ = [
    "FormField",
    "Option",
    "control_text",
    "form_fields",
    "non_field_errors",
    "read_form",
    "translate_error",
]
