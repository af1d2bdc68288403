"""`create_web_app`: the Litestar application of one Guanxi application."""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from guanxi_core import (
    App,
    GuanxiError,
    NotFoundError,
    PermissionDenied,
    QueryError,
    ValidationError,
    _,
)
from guanxi_web.rendering import ENVIRONMENT, is_htmx, render
from guanxi_web.screens import page_routes
from guanxi_web.sessions import SessionStore
from guanxi_web.settings import WebSettings
from guanxi_web.state import (
    STATE_KEY,
    WebContext,
    add_security_headers,
    request_state,
    same_token,
    web_middleware,
)
from guanxi_web.templating import build_environment
from guanxi_web.views import (
    activities,
    admin,
    auth,
    customer_page,
    customer_sidebar,
    customers,
    home,
)

logger = logging.getLogger(__name__)

# Each view module lists its route handlers in `ROUTES`.
VIEWS = (auth, home, customers, customer_page, customer_sidebar, activities, admin)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUTHENTICATED = "authenticated"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def require_permission(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Every route declares `opt={"permission": ...}` (or `public`); deny anything else."""
    if handler.opt.get("public"):
        return
    actor = request_state(connection).actor
    if actor is None:
        raise NotAuthorizedException
    permission = handler.opt.get("permission")
    if permission is None:  # a route that forgot to declare one is closed, not open
        raise PermissionDeniedException
    if permission != AUTHENTICATED and not actor.can(permission):
        raise PermissionDeniedException


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Refuse an unsafe request without the session's CSRF token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    sent: Any = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
    if not isinstance(sent, str) or not same_token(sent, request_state(request).csrf):
        raise PermissionDeniedException(detail="csrf")


def _error_page(request: Request[Any, Any, Any], status_code: int, message: Any) -> Response[str]:
    try:
        request_state(request)
    except Exception:  # the middleware did not run (e.g. a static file): plain text
        return Response(str(message), status_code=status_code)
    return render(
        request,
        "web/error.html",
        {"status_code": status_code, "message": message},
        status_code=status_code,
    )


def _not_found(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return _error_page(request, 404, _("This page does not exist, or you may not see it."))


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, PermissionDeniedException) and exc.detail == "csrf":
        message = _("Your form has expired. Go back, reload the page and try again.")
    else:
        message = _("You may not do this.")
    return _error_page(request, 403, message)


def _sign_in_first(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    target = "/login?next=" + request.url.path
    if is_htmx(request):
        return Response("", status_code=401, headers={"HX-Redirect": target})
    if request.method in SAFE_METHODS:
        return Redirect(target, status_code=303)
    return _error_page(request, 401, _("Please sign in again."))


def _bad_request(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return _error_page(request, 400, _("The request could not be understood."))


def _http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return _not_found(request, exc)
    if status >= 500:
        logger.error("error %s on %s", status, request.url.path, exc_info=exc)
        return _error_page(request, status, _("Something went wrong on our side."))
    return _error_page(request, status, _("The request could not be understood."))


def _server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s", request.url.path, exc_info=exc)
    return _error_page(request, 500, _("Something went wrong on our side."))


def static_folder() -> Path:
    """The absolute folder of the web's static files (htmx, the stylesheet)."""
    return Path(str(files("guanxi_web") / "static"))


def create_web_app(
    app: App, settings: WebSettings | None = None, *, debug: bool = False
) -> Litestar:
    """Build the web UI of `app`, after all its plugins are registered.

    Routes, templates and middleware are collected first and the Litestar application is
    built once (Litestar freezes them when built).

    Args:
        app: the Guanxi application, its plugins registered.
        settings: the web settings; by default read from `app.settings` and the environment.
        debug: Litestar's debug mode (tracebacks in responses); never in production.

    Returns:
        The ASGI application.
    """
    settings = settings or WebSettings.from_settings(app.settings)
    web = WebContext(app, settings, SessionStore(app.engine, settings))
    views: list[ControllerRouterHandler] = [
        *(route for module in VIEWS for route in module.ROUTES),
        *page_routes(app),  # plugin pages, at /p/<slug>/...
    ]
    handlers: list[ControllerRouterHandler] = [
        # One router for every view: Litestar 2 (2.25) registered directly wraps a sync GET
        # handler twice when a POST handler is added on the same path later (a 500).
        Router(path="/", route_handlers=views),
        create_static_files_router(
            "/static/web", [static_folder()], opt={"public": True}, name="web-static"
        ),
    ]
    return Litestar(
        route_handlers=handlers,
        middleware=[web_middleware],
        guards=[require_permission],
        before_request=check_csrf,
        before_send=[add_security_headers],
        exception_handlers={
            NotFoundError: _not_found,
            NotFoundException: _not_found,
            PermissionDenied: _forbidden,
            PermissionDeniedException: _forbidden,
            NotAuthorizedException: _sign_in_first,
            QueryError: _bad_request,
            ValidationError: _bad_request,
            GuanxiError: _bad_request,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        state=State({STATE_KEY: web, ENVIRONMENT: build_environment(app.enabled_plugins)}),
        debug=debug,
        openapi_config=None,
        # Logging belongs to the process (the CLI or the ASGI server), not the app:
        # Litestar's default would add a root handler bound to whatever stderr is now.
        logging_config=None,
    )
