from guanxi_core import Plugin

plugin = Plugin("good", "Same slug as good")
not_a_plugin = object()
