"""The customers list and the customer page."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter

from guanxi_core import Actor, Record
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import LazyText
from guanxi_web.display import Display, make_display
from guanxi_web.rendering import render
from guanxi_web.state import request_state, web_context

MAX_ID = 2**63 - 1
PAGE_SIZE = 50


def _actor(request: Request[Any, Any, Any]) -> Actor:
    actor = request_state(request).actor
    assert actor is not None  # the guard lets only signed-in users through
    return actor


def _display(
    request: Request[Any, Any, Any], fields: list[FieldSpec], records: list[Record]
) -> Display:
    state = request_state(request)
    app = web_context(request).app

    def translate(text: LazyText | str) -> str:
        return app.translator.gettext(text, state.locale)

    return make_display(app, state.locale, fields, (r.values for r in records), translate)


@get("/customers", opt={"permission": "core.customer.view"}, sync_to_thread=True)
def customers_list(
    request: Request[Any, Any, Any],
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    cursor: Annotated[str | None, QueryParameter(max_length=2000)] = None,
) -> Response[str]:
    """Visible customers, newest first; `q` searches name, phone and e-mail."""
    app = web_context(request).app
    ctx = app.context(_actor(request))
    columns = [s for s in app.fields.for_entity("customer") if s.list_column]
    query = q.strip()
    if query:
        items, next_cursor = ctx.customers.search(query, limit=PAGE_SIZE), None
    else:
        page = ctx.customers.list(limit=PAGE_SIZE, cursor=cursor or None)
        items, next_cursor = page.items, page.next_cursor
    return render(
        request,
        "web/customers/list.html",
        {
            "columns": columns,
            "items": items,
            "q": query,
            "next_cursor": next_cursor,
            "display": _display(request, columns, items),
        },
        block="results",
    )


@get("/customers/{customer_id:int}", opt={"permission": "core.customer.view"}, sync_to_thread=True)
def customer_page(request: Request[Any, Any, Any], customer_id: FromPath[int]) -> Response[str]:
    """The 360° page of a visible customer; 404 for one the user may not see."""
    if not 0 < customer_id <= MAX_ID:
        raise NotFoundException
    app = web_context(request).app
    view = app.context(_actor(request)).customers.view360(customer_id)
    fields = [s for s in app.fields.for_entity("customer") if s.key not in {"name"}]
    return render(
        request,
        "web/customers/detail.html",
        {
            "view": view,
            "customer": view.customer,
            "fields": fields,
            "display": _display(request, fields, [view.customer]),
            "kinds": app.kinds,
            "when_field": app.fields.get("activity", "occurred_at"),
            "show_activity": _display(request, app.fields.for_entity("activity"), view.activities),
        },
    )


ROUTES = [customers_list, customer_page]
