"""Activity kinds: the types of timeline entries that plugins register."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from guanxi_core.i18n import LazyText
from guanxi_core.workflows import Workflow

if TYPE_CHECKING:
    from guanxi_core.plugin import Plugin


@dataclass(frozen=True)
class ActivityKind:
    """A kind of timeline entry, e.g. `pharma.visit`, with its label, icon and workflow.

    Constructed as `ActivityKind(plugin, "visit", label=_("Visit"), icon="stethoscope")`: the
    key is namespaced by the plugin's slug, and the kind is registered with the plugin.

    Attributes:
        key: `<slug>.<name>`.
        label: the kind's display name.
        icon: an icon name for the timeline.
        workflow: the workflow its entries follow, if any.
        purchase: whether entries carry an amount that feeds the value analysis.
    """

    key: str
    label: LazyText | str
    icon: str = "note"
    workflow: Workflow | None = None
    purchase: bool = False

    def __init__(
        self,
        plugin: Plugin,
        name: str,
        *,
        label: LazyText | str,
        icon: str = "note",
        workflow: Workflow | None = None,
        purchase: bool = False,
    ) -> None:
        key = f"{plugin.slug}.{name}"
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "icon", icon)
        object.__setattr__(
            self, "workflow", replace(workflow, name=key) if workflow is not None else None
        )
        object.__setattr__(self, "purchase", purchase)
        plugin.add_kind(self)

    @property
    def slug(self) -> str:
        """The declaring plugin's slug."""
        return self.key.split(".", 1)[0]
