"""The 360° customer page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from guanxi_web.rendering import render
from guanxi_web.state import web_context
from guanxi_web.views._shared import actor_of, check_id, display_for


@get("/customers/{customer_id:int}", opt={"permission": "core.customer.view"}, sync_to_thread=True)
def customer_page(request: Request[Any, Any, Any], customer_id: FromPath[int]) -> Response[str]:
    """The 360° page of a visible customer; 404 for one the user may not see."""
    check_id(customer_id)
    app = web_context(request).app
    view = app.context(actor_of(request)).customers.view360(customer_id)
    fields = [s for s in app.fields.for_entity("customer") if s.key not in {"name"}]
    return render(
        request,
        "web/customers/detail.html",
        {
            "view": view,
            "customer": view.customer,
            "fields": fields,
            "display": display_for(request, fields, [view.customer]),
            "kinds": app.kinds,
            "when_field": app.fields.get("activity", "occurred_at"),
            "show_activity": display_for(
                request, app.fields.for_entity("activity"), view.activities
            ),
        },
    )


ROUTES = [customer_page]
