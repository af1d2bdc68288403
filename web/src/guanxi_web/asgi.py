"""The ASGI factory uvicorn's workers import: `guanxi_web.asgi:create_asgi_app`."""

from __future__ import annotations

from litestar import Litestar

from guanxi_core import Settings, create_app
from guanxi_web.web_app import create_web_app


def create_asgi_app() -> Litestar:
    """The web UI of the application configured by the environment (`GUANXI_DATABASE_URL`)."""
    return create_web_app(create_app(Settings.from_env()))
