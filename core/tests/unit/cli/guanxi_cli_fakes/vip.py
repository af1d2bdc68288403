"""A plugin with an extension table, real migrations and a zh_CN catalogue."""

from __future__ import annotations

from guanxi_core import CustomerExtension, Field, Plugin, _

plugin = Plugin(
    "vip",
    _("VIP guests"),
    migrations="guanxi_cli_fakes.vip_migrations",
    translations=("guanxi_cli_fakes", "vip"),
)


class Guest(CustomerExtension, plugin=plugin):
    tier: str | None = Field(None, label=_("Tier"), max_length=20)
    allergies: str | None = Field(None, label=_("Allergies"))
