"""What services return: records with core and extension values, pages, filters."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from guanxi_core.errors import QueryError

FILTER_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "isnull", "notnull")


@dataclass
class Record:
    """A customer or an activity with its extension values, keyed like the field registry.

    `record["name"]` reads a core field, `record["vip.vip_tier"]` an extension field.
    """

    entity: str
    values: dict[str, Any]

    @property
    def id(self) -> int:
        """The record's id."""
        return int(self.values["id"])

    @property
    def version(self) -> int:
        """The version to send back with an update (optimistic locking)."""
        return int(self.values["version"])

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The value of `key`, or `default`."""
        return self.values.get(key, default)


@dataclass(frozen=True)
class Filter:
    """A condition of a list: `Filter("vip.vip_tier", "eq", "gold")`.

    Attributes:
        field: a field key from the registry; the field must be filterable.
        op: one of `eq ne lt le gt ge in contains isnull notnull`.
        value: the value compared with (a list for `in`).
    """

    field: str
    op: str = "eq"
    value: Any = None


@dataclass
class Page:
    """One page of a list, with the cursor of the next page (None on the last)."""

    items: list[Record]
    next_cursor: str | None = None
    sort: str = ""
    filters: tuple[Filter, ...] = field(default_factory=tuple)


def json_value(value: Any) -> Any:
    """A JSON-safe form of a field value (for the audit log and cursors)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def encode_cursor(payload: Mapping[str, Any]) -> str:
    """An opaque cursor for keyset pagination."""
    raw = json.dumps({k: json_value(v) for k, v in payload.items()}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """Read a cursor made by `encode_cursor`; raise `QueryError` if it was tampered with."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise QueryError("invalid cursor") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        raise QueryError("invalid cursor")
    return payload
