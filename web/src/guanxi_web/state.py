"""What the web UI keeps per application and per request, and the middleware filling it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from guanxi_core import Actor, App
from guanxi_web.i18n import from_accept_language, supported
from guanxi_web.sessions import SessionStore, WebSession, new_token
from guanxi_web.settings import WebSettings

SESSION_COOKIE = "guanxi_session"
CSRF_COOKIE = "guanxi_csrf"
LOCALE_COOKIE = "guanxi_locale"
STATE_KEY = "guanxi_web"

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


@dataclass
class WebContext:
    """The web UI of one application: the core app, its settings and the session store."""

    app: App
    settings: WebSettings
    store: SessionStore

    def cookie(self, name: str, value: str, *, max_age: int | None = None) -> str:
        """A `Set-Cookie` value with the flags of every Guanxi cookie."""
        parts = [f"{self.settings.cookie_name(name)}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.settings.secure_cookies:
            parts.append("Secure")
        return "; ".join(parts)


@dataclass
class RequestState:
    """Who is asking, in which language, and the CSRF token their forms must carry.

    Attributes:
        session: the signed-in session, None when anonymous.
        actor: the signed-in user, None when anonymous.
        locale: the language of the response.
        csrf: the token unsafe requests must send (the session's, or the anonymous cookie's).
        set_cookies: `Set-Cookie` values to add to the response.
        names: user and team names already read in this request (`make_display`).
    """

    session: WebSession | None
    actor: Actor | None
    locale: str
    csrf: str
    set_cookies: list[str] = field(default_factory=list)
    names: dict[tuple[str, int], str] = field(default_factory=dict)


def request_state(connection: ASGIConnection[Any, Any, Any, Any]) -> RequestState:
    """The state the middleware attached to this request."""
    state = connection.scope.get("state", {}).get(STATE_KEY)
    if not isinstance(state, RequestState):  # pragma: no cover - middleware always runs
        raise RuntimeError("the web middleware did not run")
    return state


def web_context(connection: ASGIConnection[Any, Any, Any, Any]) -> WebContext:
    """The web context of the application serving this request."""
    return connection.app.state[STATE_KEY]  # type: ignore[no-any-return]


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is ignored
                continue
    return {key: morsel.value for key, morsel in jar.items()}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _resolve(web: WebContext, scope: Scope) -> RequestState:
    """Read the session cookie and the language (runs in a worker thread: it queries)."""
    cookies = _cookies(scope)
    settings = web.settings
    # The session, its user and roles in one statement (a deactivated user's session ends).
    found = web.store.load_signed_in(cookies.get(settings.cookie_name(SESSION_COOKIE), ""), web.app)
    session: WebSession | None = found[0] if found is not None else None
    actor: Actor | None = found[1] if found is not None else None
    set_cookies: list[str] = []
    if session is not None:
        csrf = session.csrf_token
    else:
        csrf = cookies.get(settings.cookie_name(CSRF_COOKIE), "")
        if not csrf or len(csrf) > 100:
            csrf = new_token()
            set_cookies.append(web.cookie(CSRF_COOKIE, csrf))
    locale = (
        (supported(session.locale) if session else None)
        or (supported(actor.locale) if actor else None)
        or supported(cookies.get(LOCALE_COOKIE))
        or from_accept_language(_header(scope, b"accept-language"))
        or supported(web.app.settings.default_locale)
        or "en"
    )
    return RequestState(session, actor, locale, csrf, set_cookies)


def web_middleware(app: ASGIApp) -> ASGIApp:
    """Attach the `RequestState` (the session, user and language) to every non-static request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        if not scope["path"].startswith("/static/"):
            web: WebContext = scope["litestar_app"].state[STATE_KEY]
            state = await anyio.to_thread.run_sync(_resolve, web, scope)
            scope.setdefault("state", {})[STATE_KEY] = state
        # The pending cookies and `cache-control` go out with the security headers
        # (`add_security_headers`): one pass over the response headers.
        await app(scope, receive, send)

    return middleware


async def add_security_headers(message: Message, scope: Scope) -> None:
    """`before_send` hook: the security headers, on every response (router 404s too).

    A response to a request the middleware resolved (not a static file) also gets the
    request's pending cookies and `cache-control: no-store`.
    """
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _value in headers}
        headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
        state = scope.get("state", {}).get(STATE_KEY)
        if isinstance(state, RequestState):
            headers += [(b"set-cookie", c.encode()) for c in state.set_cookies]
            headers.append((b"cache-control", b"no-store"))
        message["headers"] = headers


def same_token(sent: str | None, expected: str) -> bool:
    """Whether the CSRF token `sent` is `expected` (in constant time)."""
    return (
        bool(sent)
        and bool(expected)
        and secrets.compare_digest(str(sent).encode(), expected.encode())
    )
