"""A plugin with one deliberate mistake of each kind `guanxi plugins check` must name."""

from __future__ import annotations

from typing import Any

from guanxi_core.services.context import Context  # mistake: a core internal
from guanxi_sdk import CustomerExtension, Field, Permission, Plugin, Screen, _

plugin = Plugin(
    "broken",
    _("Broken"),
    requires_core=">=0.1",
    migrations="guanxi_broken.migrations",
    translations=("guanxi_broken", "guanxi_broken"),
)
plugin.permission("card.view", _("See the card"))


class Card(CustomerExtension, plugin=plugin):
    """Created by the migration 0001."""

    level: str | None = Field(None, label=_("Level"), max_length=20)


class Extra(CustomerExtension, plugin=plugin):
    """Mistake: no migration creates `broken_extra`."""

    note: str | None = Field(None, label=_("Extra note"))


@plugin.hook
def befor_customer_save(  # mistake: not a hook's name
    ctx: Context, customer: Any, changes: dict[str, Any], created: bool
) -> None:
    """Meant to be `before_customer_save`."""


@plugin.hook
def register_permissions() -> list[Permission]:
    """Mistake: a permission outside `broken.*`."""
    return [Permission("approve", _("Approve"))]


@plugin.page("/card", label=_("Card"), permission="broken.card.view")
def card(screen: Screen) -> str:
    """Mistake: its message has no translation."""
    return screen.render("broken/card.html", note=screen._(_("Nobody translated this")))
