"""A plugin with jobs, as a vendor would write it: one that works, one that breaks half-way."""

from __future__ import annotations

from datetime import timedelta

from guanxi_core import Context, Plugin, _

plugin = Plugin("chores", _("Chores"), description=_("Jobs for the command-line tests."))


@plugin.job("tidy", every=timedelta(hours=1, minutes=30), label=_("Tidy up"))
def tidy(ctx: Context) -> str:
    ctx.customers.create({"name": "Tidied by a job"})
    return "tidied 1 customer"


@plugin.job("explode", cron="0 7 * * *", timezone="Asia/Shanghai")
def explode(ctx: Context) -> None:
    ctx.customers.create({"name": "Half-done"})
    raise RuntimeError("the job broke\nhalf-way")
