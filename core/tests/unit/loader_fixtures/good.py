from guanxi_core import Plugin

plugin = Plugin("good", "Good plugin")
plugin.permission("thing.view", "See things")
