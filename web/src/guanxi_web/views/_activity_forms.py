"""The log and edit forms of activities: which fields a kind's form shows, and their state."""

from __future__ import annotations

from dataclasses import dataclass

from guanxi_core import ActivityKind, App, Record
from guanxi_core.fields import FieldSpec
from guanxi_web.forms import FormField
from guanxi_web.views._activity_display import ActivityView, KindOption


def form_specs(app: App, kind: ActivityKind, record: Record | None = None) -> list[FieldSpec]:
    """The fields of the log/edit form of `kind`: the core's that make sense, then the kind's.

    A due date belongs to kinds with a workflow (tasks), an amount to purchase kinds; a
    record that already has one keeps the field.
    """
    keys = ["subject", "body", "occurred_at"]
    if kind.workflow is not None or (record is not None and record.get("due_at") is not None):
        keys.append("due_at")
    if kind.purchase or (record is not None and record.get("amount") is not None):
        keys += ["amount", "currency"]
    keys.append("owner_id")
    core = [spec for key in keys if (spec := app.fields.get("activity", key)) is not None]
    extensions = [
        s for s in app.fields.for_entity("activity", kind.key) if s.plugin != "core" and s.editable
    ]
    return core + extensions


@dataclass
class LogForm:
    """The log form of one customer for one kind, with the user's input and errors."""

    customer_id: int
    kind: KindOption
    kinds: list[KindOption]
    fields: list[FormField]
    errors: list[str]
    standalone: bool

    @property
    def container(self) -> str:
        """The id of the element the form lives in on the customer page."""
        return f"log-{self.customer_id}"


@dataclass
class EditForm:
    """The edit form of one activity, with the user's input and errors."""

    activity: ActivityView
    version: int
    fields: list[FormField]
    errors: list[str]
    standalone: bool
