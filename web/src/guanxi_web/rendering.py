"""Rendering pages: a full page on a normal request, one block of it on an htmx request."""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2_fragments import render_block
from litestar import Request, Response
from litestar.enums import MediaType

from guanxi_core import LazyText
from guanxi_core.i18n import SUPPORTED_LOCALES
from guanxi_web.state import request_state, web_context

ENVIRONMENT = "guanxi_web.jinja"
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}
# The language picker's choices: the same for every request.
LANGUAGES = [(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LOCALES]


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx sent the request (and it is not a boosted full-page navigation)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        # the back button after an htmx URL push asks for the whole page again
        and headers.get("hx-history-restore-request") != "true"
    )


def page_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What every template sees: the user, the language, `_`, the CSRF token, the request."""
    web = web_context(request)
    state = request_state(request)
    translator = web.app.translator

    locale = state.locale

    def translate(text: LazyText | str, **params: Any) -> str:
        return translator.gettext(text, locale, **params)

    # The path and query from the scope, as `request.url` has them (without building a URL).
    scope = request.scope
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"").decode()
    return {
        "_": translate,
        "actor": state.actor,
        "locale": locale,
        "html_lang": locale.replace("_", "-"),
        "languages": LANGUAGES,
        "csrf_token": state.csrf,
        "path": path,
        "request": request,  # for globals such as slot() and plugin_nav()
        "current_url": path + (f"?{query}" if query else ""),
    }


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """Render `template`: the whole page, or for htmx only one block of it.

    The block is `block`, by default `content` (the page without its layout).
    """
    env: jinja2.Environment = request.app.state[ENVIRONMENT]
    values = {**page_context(request), **(context or {})}
    if is_htmx(request):
        html = render_block(env, template, block or "content", **values)
    else:
        html = env.get_template(template).render(**values)
    return Response(html, status_code=status_code, media_type=MediaType.HTML, headers=headers or {})
