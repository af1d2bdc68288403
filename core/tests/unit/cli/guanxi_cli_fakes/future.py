"""A plugin written for a core that does not exist yet."""

from guanxi_core import Plugin

plugin = Plugin("future", "Future", requires_core=">=99")
