"""The customers list."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter

from guanxi_web.rendering import render
from guanxi_web.state import web_context
from guanxi_web.views._shared import actor_of, display_for

PAGE_SIZE = 50


@get("/customers", opt={"permission": "core.customer.view"}, sync_to_thread=True)
def customers_list(
    request: Request[Any, Any, Any],
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    cursor: Annotated[str | None, QueryParameter(max_length=2000)] = None,
) -> Response[str]:
    """Visible customers, newest first; `q` searches name, phone and e-mail."""
    app = web_context(request).app
    ctx = app.context(actor_of(request))
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
            "display": display_for(request, columns, items),
        },
        block="results",
    )


ROUTES = [customers_list]
