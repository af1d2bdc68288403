"""Settings of the web UI: `settings.plugins["web"]`, overridden by `GUANXI_WEB_*` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from guanxi_core import Settings


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class WebSettings:
    """What the web UI needs beyond the core's settings.

    Attributes:
        secure_cookies: mark cookies `Secure` and give them the `__Host-` prefix; turn on
            whenever the UI is served over HTTPS (behind a proxy too).
        idle_timeout: a session unused this long is ended.
        login_max_failures: failed sign-ins allowed per user name and address in the window.
        login_window: the window in which failed sign-ins are counted.
    """

    secure_cookies: bool = False
    idle_timeout: timedelta = timedelta(hours=8)
    login_max_failures: int = 5
    login_window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebSettings:
        """Read `settings.plugins["web"]`, then the `GUANXI_WEB_*` variables.

        Keys and variables: `secure_cookies` (`GUANXI_WEB_SECURE_COOKIES`), `idle_minutes`
        (`GUANXI_WEB_IDLE_MINUTES`), `login_max_failures` (`GUANXI_WEB_LOGIN_MAX_FAILURES`),
        `login_window_minutes` (`GUANXI_WEB_LOGIN_WINDOW_MINUTES`).
        """
        given: dict[str, Any] = dict(settings.plugins.get("web", {}))
        values: dict[str, Any] = {}
        if "secure_cookies" in given:
            values["secure_cookies"] = bool(given["secure_cookies"])
        if "idle_minutes" in given:
            values["idle_timeout"] = timedelta(minutes=float(given["idle_minutes"]))
        if "login_max_failures" in given:
            values["login_max_failures"] = int(given["login_max_failures"])
        if "login_window_minutes" in given:
            values["login_window"] = timedelta(minutes=float(given["login_window_minutes"]))
        env = os.environ
        if env.get("GUANXI_WEB_SECURE_COOKIES"):
            values["secure_cookies"] = _flag(env["GUANXI_WEB_SECURE_COOKIES"])
        if env.get("GUANXI_WEB_IDLE_MINUTES"):
            values["idle_timeout"] = timedelta(minutes=float(env["GUANXI_WEB_IDLE_MINUTES"]))
        if env.get("GUANXI_WEB_LOGIN_MAX_FAILURES"):
            values["login_max_failures"] = int(env["GUANXI_WEB_LOGIN_MAX_FAILURES"])
        if env.get("GUANXI_WEB_LOGIN_WINDOW_MINUTES"):
            values["login_window"] = timedelta(
                minutes=float(env["GUANXI_WEB_LOGIN_WINDOW_MINUTES"])
            )
        return cls(**values)

    def cookie_name(self, name: str) -> str:
        """`name`, with the `__Host-` prefix when cookies are secure."""
        return f"__Host-{name}" if self.secure_cookies else name
