"""A plugin that requires the `vip` plugin."""

from guanxi_core import Plugin

plugin = Plugin("needs_vip", "Needs VIP", requires=["vip"])
