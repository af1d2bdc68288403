"""Turning raw input (from forms, the API, imports or code) into clean typed values."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from guanxi_core.errors import FieldError
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import _

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{3,30}$")
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


class _Invalid(Exception):
    def __init__(self, error: FieldError) -> None:
        self.error = error


def _fail(spec: FieldSpec, code: str, message: Any, **params: Any) -> _Invalid:
    return _Invalid(FieldError(spec.key, code, message, params))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _split_list(value: Any) -> list[str]:
    if isinstance(value, str):
        parts = re.split(r"[,;\n]", value)
    elif isinstance(value, Iterable):
        parts = [str(v) for v in value]
    else:
        parts = [str(value)]
    return [p.strip() for p in parts if p.strip()]


def _text(spec: FieldSpec, value: Any) -> Any:
    if not isinstance(value, str):
        if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            raise _fail(spec, "type", _("Enter text."))
        value = str(value)
    value = value.replace("\x00", "").strip()  # no database stores a NUL in text
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _fail(spec, "max_length", _("At most {max} characters."), max=spec.max_length)
    return value


MAX_INT = 2**63 - 1  # a 64-bit column
MAX_DECIMAL = Decimal("1e12")  # decimal columns are NUMERIC(14, 2): 12 digits before the point


def _choice(spec: FieldSpec, value: Any) -> Any:
    for allowed in spec.choice_values:
        if value == allowed or str(value) == str(allowed):
            return allowed
    raise _fail(
        spec,
        "choice",
        _("Choose one of: {choices}."),
        choices=", ".join(str(v) for v in spec.choice_values),
    )


def _int(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise _fail(spec, "type", _("Enter a whole number."))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _fail(spec, "type", _("Enter a whole number.")) from None
    if abs(number) > MAX_INT:
        raise _fail(spec, "too_large", _("This number is too large."))
    return number


def _number(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, bool):
        raise _fail(spec, "type", _("Enter a number."))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise _fail(spec, "type", _("Enter a number.")) from None
    if not number.is_finite():
        raise _fail(spec, "type", _("Enter a number."))
    if spec.type == "float":
        if not math.isfinite(float(number)):
            raise _fail(spec, "too_large", _("This number is too large."))
        return float(number)
    if abs(number) >= MAX_DECIMAL:
        raise _fail(spec, "too_large", _("This number is too large."))
    if number != number.quantize(Decimal("0.01")):
        raise _fail(spec, "decimal_places", _("At most two decimal places."))
    return number


def _bool(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise _fail(spec, "type", _("Enter yes or no."))


def _date(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _fail(spec, "type", _("Enter a date as YYYY-MM-DD.")) from None


def _datetime(spec: FieldSpec, value: Any) -> Any:
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise _fail(spec, "type", _("Enter a date and time as YYYY-MM-DD HH:MM.")) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_LIST_FORMATS = {
    "emails": (_EMAIL, _("Enter valid e-mail addresses.")),
    "phones": (_PHONE, _("Enter valid phone numbers.")),
}


def _list(spec: FieldSpec, value: Any) -> Any:
    items = [item.replace("\x00", "") for item in _split_list(value)]
    pattern, message = _LIST_FORMATS.get(spec.name, (None, _("Enter text.")))
    for item in items:
        if len(item) > 254 or (pattern is not None and not pattern.match(item)):
            raise _fail(spec, "format", message, value=item)
    return items


_COERCE = {
    "str": _text,
    "text": _text,
    "choice": _choice,
    "int": _int,
    "float": _number,
    "decimal": _number,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
    "list": _list,
}


def _coerce(spec: FieldSpec, value: Any) -> Any:
    value = _COERCE[spec.type](spec, value)
    if spec.min_value is not None and value < spec.min_value:
        raise _fail(spec, "min_value", _("At least {min}."), min=spec.min_value)
    if spec.max_value is not None and value > spec.max_value:
        raise _fail(spec, "max_value", _("At most {max}."), max=spec.max_value)
    return value


def clean_value(spec: FieldSpec, value: Any) -> Any:
    """Return `value` converted to the field's type; raise `ValueError` carrying a FieldError."""
    if _blank(value):
        if spec.required:
            raise _fail(spec, "required", _("This field is required."))
        return [] if spec.type == "list" else None
    value = _coerce(spec, value)
    for validator in spec.validators:
        message = validator(value)
        if message is not None:
            raise _fail(spec, "invalid", message)
    return value


def clean_values(
    specs: Mapping[str, FieldSpec], values: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate `values` against `specs`.

    Args:
        specs: the fields that may be set, by key.
        values: raw input by field key.
        creating: whether a new record is made (missing required fields are errors then,
            and missing fields get their defaults).

    Returns:
        The clean values and the errors, one per field at most.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, raw in values.items():
        spec = specs.get(key)
        if spec is None:
            errors.append(FieldError(key, "unknown_field", _("Unknown field.")))
            continue
        if not spec.editable:
            errors.append(FieldError(key, "read_only", _("This field cannot be changed.")))
            continue
        try:
            clean[key] = clean_value(spec, raw)
        except _Invalid as invalid:
            errors.append(invalid.error)
    if creating:
        for key, spec in specs.items():
            if key in values or not spec.editable:
                continue
            if spec.required and spec.default is None:
                errors.append(FieldError(key, "required", _("This field is required.")))
            elif spec.default is not None:
                clean[key] = list(spec.default) if isinstance(spec.default, list) else spec.default
    return clean, errors
