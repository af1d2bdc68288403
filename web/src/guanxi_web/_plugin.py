"""The web plugin object (its own module, so that tables and hooks can import it)."""

from __future__ import annotations

from guanxi_core import Plugin, _

plugin = Plugin(
    "web",
    _("Web"),
    builtin=True,
    migrations="guanxi_web.migrations",
    translations=("guanxi_web", "guanxi_web"),
    description=_("The web user interface."),
)
