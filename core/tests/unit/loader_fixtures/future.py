from guanxi_core import Plugin

plugin = Plugin("future", "From the future", requires_core=">=99")
