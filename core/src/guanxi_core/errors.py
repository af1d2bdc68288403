"""Exceptions the core raises and a plugin may raise; each carries a message fit for a user."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guanxi_core.i18n import LazyText


@dataclass(frozen=True)
class FieldError:
    """A problem with one field's value.

    Attributes:
        field: the field key (`name`, `vip.allergies`); `""` for the record as a whole.
        code: a stable machine-readable code (`required`, `max_length`, `choice`, ...).
        message: the user-facing text, translated when rendered.
        params: values for the message's `{placeholders}`.
    """

    field: str
    code: str
    message: LazyText
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class GuanxiError(Exception):
    """Base class of every error the core reports to a caller."""


class ValidationError(GuanxiError):
    """The input was refused; nothing was saved. `errors` says which field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field or '*'}: {e.code}" for e in errors))

    def by_field(self) -> dict[str, list[FieldError]]:
        """The errors grouped by field key."""
        grouped: dict[str, list[FieldError]] = {}
        for error in self.errors:
            grouped.setdefault(error.field, []).append(error)
        return grouped


class ConflictError(GuanxiError):
    """Someone saved the record since the caller read it (optimistic locking).

    Attributes:
        entity: `customer` or `activity`.
        entity_id: the record's id.
        expected_version: the version the caller had read.
        current_version: the version stored now.
        changed_by: the user id of the latest change, if known.
        changed_at: when the latest change happened, if known.
        changes: the latest change's field diff `{field: [old, new]}`.
    """

    def __init__(
        self,
        entity: str,
        entity_id: int,
        expected_version: int,
        current_version: int,
        *,
        changed_by: int | None = None,
        changed_at: datetime | None = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changes = changes or {}
        super().__init__(
            f"{entity} {entity_id} was changed by someone else "
            f"(version {current_version}, you had {expected_version})"
        )


class NotFoundError(GuanxiError):
    """The record does not exist or the user may not see it (the two are not distinguished)."""

    def __init__(self, entity: str, entity_id: object) -> None:
        self.entity = entity
        self.entity_id = entity_id
        super().__init__(f"{entity} {entity_id} not found")


class PermissionDenied(GuanxiError):
    """The user lacks a permission for this action."""

    def __init__(self, permission: str) -> None:
        self.permission = permission
        super().__init__(f"permission required: {permission}")


class QueryError(GuanxiError):
    """A list or search request names an unknown field, operator or cursor."""


class PluginError(GuanxiError):
    """A plugin could not be loaded, or its declarations collide with another's."""


class WorkflowError(GuanxiError):
    """A transition is not available from the record's state or to this user."""
