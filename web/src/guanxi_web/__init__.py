"""Guanxi web UI (Litestar, Jinja, htmx), registered as a plugin of the core.

`create_web_app(app)` builds the ASGI application of a Guanxi application; `guanxi serve`
(added through the `register_commands` hook) runs it under uvicorn.
"""

from guanxi_web import cli as _cli  # noqa: F401 - registers the plugin's hooks
from guanxi_web import tables as _tables  # noqa: F401 - declares the plugin's tables
from guanxi_web._plugin import plugin
from guanxi_web.settings import WebSettings
from guanxi_web.web_app import create_web_app

__all__ = ["WebSettings", "create_web_app", "plugin"]
