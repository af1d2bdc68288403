"""Signing in and out, and choosing the language."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect
from sqlmodel import Session, col, select

from guanxi_core import _
from guanxi_core.models import User
from guanxi_core.users import hash_password, verify_password
from guanxi_web.i18n import supported
from guanxi_web.rendering import render
from guanxi_web.state import LOCALE_COOKIE, SESSION_COOKIE, request_state, web_context

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

# Verified against when the user name is unknown, so both failures take the same time.
_DUMMY_HASH = hash_password("not a password of anyone")
HOME = "/"  # the home screen: my tasks, workflow items, recent activity
NextParam = Annotated[str, QueryParameter(name="next", max_length=2000)]


def redirect(path: str) -> Redirect:
    """A 303 redirect (after a form, the browser follows it with a GET)."""
    return Redirect(path, status_code=303)


def safe_next(value: Any) -> str:
    """A local path to go to after a form, never another site."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and len(value) < 2000
    ):
        return value
    return HOME


def _text(form: dict[str, Any], key: str, limit: int = 200) -> str:
    value = form.get(key, "")
    return value[:limit] if isinstance(value, str) else ""


def _login_page(
    request: Request[Any, Any, Any],
    *,
    error: Any = None,
    username: str = "",
    next_url: str = "",
    status_code: int = 200,
) -> Response[str]:
    return render(
        request,
        "web/login.html",
        {"error": error, "username": username, "next_url": safe_next(next_url)},
        status_code=status_code,
    )


@get("/login", opt={"public": True}, sync_to_thread=False)
def login_form(request: Request[Any, Any, Any], next_url: NextParam = "") -> Response[Any]:
    """The sign-in form (or home, when already signed in)."""
    if request_state(request).actor is not None:
        return redirect(safe_next(next_url))
    return _login_page(request, next_url=next_url)


@post("/login", opt={"public": True}, sync_to_thread=True)
def login(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """Check the password, rotate the session, go where the user was going."""
    web = web_context(request)
    state = request_state(request)
    username = _text(data, "username", 80).strip()
    password = _text(data, "password", 1000)
    next_url = _text(data, "next", 2000)
    ip = request.client.host if request.client else "unknown"
    if web.store.too_many_failures(username, ip):
        return _login_page(
            request,
            error=_("Too many failed sign-ins. Try again in a few minutes."),
            username=username,
            next_url=next_url,
            status_code=429,
        )
    with Session(web.app.engine) as session:
        user = session.scalars(select(User).where(col(User.username) == username)).first()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or user.id is None or not user.is_active or not ok:
        web.store.record_failure(username, ip)
        return _login_page(
            request,
            error=_("Wrong user name or password."),
            username=username,
            next_url=next_url,
            status_code=400,
        )
    web.store.clear_failures(username, ip)
    if state.session is not None:  # never keep a session id across a sign-in
        web.store.delete(state.session.id)
    token, _session = web.store.create(user.id)
    response: Response[Any] = redirect(safe_next(next_url))
    response.headers["set-cookie"] = web.cookie(SESSION_COOKIE, token)
    return response


@post("/logout", opt={"permission": "authenticated"}, sync_to_thread=True)
def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    """End the session."""
    web = web_context(request)
    state = request_state(request)
    if state.session is not None:
        web.store.delete(state.session.id)
    response: Response[Any] = redirect("/login")
    response.headers["set-cookie"] = web.cookie(SESSION_COOKIE, "", max_age=0)
    return response


@post("/locale", opt={"public": True}, sync_to_thread=True)
def choose_locale(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """Switch the language for the session, the user's preference and a cookie.

    The cookie keeps the choice on the sign-in page after signing out.
    """
    web = web_context(request)
    state = request_state(request)
    locale = supported(_text(data, "locale", 10))
    response: Response[Any] = redirect(safe_next(_text(data, "next", 2000)))
    if locale is None:
        return response
    if state.session is not None and state.actor is not None:
        web.store.set_locale(state.session.id, locale)
        with Session(web.app.engine) as session:
            user = session.get(User, state.actor.id)
            if user is not None:
                user.locale = locale
                session.commit()
    response.headers["set-cookie"] = web.cookie(LOCALE_COOKIE, locale, max_age=365 * 86400)
    return response


ROUTES = [login_form, login, logout, choose_locale]  # Home is views/home.py
