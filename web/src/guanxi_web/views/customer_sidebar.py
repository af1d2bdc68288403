"""The sidebar of the 360° customer page: tags, related people or organizations, history.

Each part is changed in place with htmx (the answer is the part, plus the header and the
history out of band); a plain request gets the whole page, or a redirect after a change.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from guanxi_core import NotFoundError, ValidationError, _
from guanxi_core.services.context import Context
from guanxi_core.services.records import Record
from guanxi_web.forms import non_field_errors
from guanxi_web.rendering import is_htmx, render
from guanxi_web.views._customer_changes import history_entries
from guanxi_web.views._shared import MAX_ID, check_id, translate_for
from guanxi_web.views.customer_page import (
    DETAIL,
    EDIT,
    Form,
    context_of,
    customer_context,
    fragment,
    header_context,
    one_value,
)

Search = Annotated[str, QueryParameter(max_length=200)]
Before = Annotated[int | None, QueryParameter(gt=0, le=MAX_ID)]

HISTORY_PAGE = 20
RELATED_RESULTS = 10
TITLE_MAX = 120

TAGS = "web/customers/_tags.html"
RELATED = "web/customers/_related.html"
RELATED_RESULTS_TEMPLATE = "web/customers/_related_results.html"
HISTORY = "web/customers/_history.html"
HISTORY_ITEMS = "web/customers/_history_items.html"
HISTORY_PAGE_TEMPLATE = "web/customers/detail_history.html"


# -- tags -------------------------------------------------------------------------------------
def _tags_response(
    request: Request[Any, Any, Any],
    customer_id: int,
    errors: list[str],
    *,
    typed: str = "",
    status: int = 200,
) -> Response[Any]:
    """The tags part (htmx) or the page; on refusal with the message and what was typed."""
    typed = typed if errors else ""
    if not is_htmx(request):
        if not errors:
            return Redirect(f"/customers/{customer_id}#customer-tags", status_code=303)
        context = customer_context(request, customer_id)
        context.update(tag_errors=errors, tag_input=typed)
        return render(request, DETAIL, context, status_code=status)
    _app, ctx = context_of(request)
    customer = ctx.customers.get(customer_id)
    refresh = header_context(request, customer)
    return fragment(
        request,
        TAGS,
        {
            "customer": customer,
            "view": refresh["view"],
            "tag_errors": errors,
            "tag_input": typed,
            "can_edit": True,
            "refresh": refresh,
        },
    )


@post("/customers/{customer_id:int}/tags", opt={"permission": EDIT}, sync_to_thread=True)
def tag_add(
    request: Request[Any, Any, Any], customer_id: FromPath[int], data: Form
) -> Response[Any]:
    """Put one or more tags (comma-separated) on the customer."""
    check_id(customer_id)
    _app, ctx = context_of(request)
    ctx.customers.get(customer_id)
    typed = one_value(data, "tag", 1000)
    names = [n.strip() for n in typed.split(",") if n.strip()]
    errors: list[str] = []
    if not names:
        errors = [translate_for(request, _("Enter a tag."))]
    else:
        try:
            ctx.customers.tag(customer_id, names)
        except ValidationError as error:
            errors = non_field_errors(request, error, [])
    return _tags_response(request, customer_id, errors, typed=typed, status=422)


@post("/customers/{customer_id:int}/tags/remove", opt={"permission": EDIT}, sync_to_thread=True)
def tag_remove(
    request: Request[Any, Any, Any], customer_id: FromPath[int], data: Form
) -> Response[Any]:
    """Take a tag off the customer."""
    check_id(customer_id)
    _app, ctx = context_of(request)
    ctx.customers.get(customer_id)
    name = one_value(data, "tag", 80)
    errors: list[str] = []
    try:
        ctx.customers.untag(customer_id, [name])
    except ValidationError as error:
        errors = non_field_errors(request, error, [])
    return _tags_response(request, customer_id, errors, status=422)


# -- related people and organizations ---------------------------------------------------------
def _related_response(
    request: Request[Any, Any, Any],
    customer_id: int,
    *,
    errors: list[str] | None = None,
    q: str = "",
    results: list[Record] | None = None,
    status: int = 200,
) -> Response[Any]:
    context = customer_context(request, customer_id)
    context.update(related_errors=errors or [], related_q=q, related_results=results)
    if is_htmx(request):
        keys = ("customer", "fields", "display", "view")
        context["refresh"] = {key: context[key] for key in keys} | {"oob": True}
        return fragment(request, RELATED, context)
    return render(request, DETAIL, context, status_code=status)


def _candidates(ctx: Context, customer: Record, q: str, linked: set[int]) -> list[Record]:
    """Visible customers matching `q` that `customer` could be linked to."""
    wanted = "organization" if customer.get("kind") == "person" else "person"
    found = ctx.customers.search(q, limit=50) if q else []
    return [
        r for r in found if r.get("kind") == wanted and r.id != customer.id and r.id not in linked
    ][:RELATED_RESULTS]


def _linked(context: dict[str, Any]) -> set[int]:
    view = context["view"]
    return {int(r["id"]) for r in [*view.organizations, *view.members]}


@get(
    "/customers/{customer_id:int}/related/search",
    opt={"permission": EDIT},
    sync_to_thread=True,
)
def related_search(
    request: Request[Any, Any, Any], customer_id: FromPath[int], q: Search = ""
) -> Response[Any]:
    """Customers to link to this one, by name, phone or e-mail."""
    check_id(customer_id)
    _app, ctx = context_of(request)
    context = customer_context(request, customer_id)
    query = q.strip()
    results = _candidates(ctx, context["customer"], query, _linked(context))
    if is_htmx(request):
        return fragment(
            request,
            RELATED_RESULTS_TEMPLATE,
            {"customer": context["customer"], "related_q": query, "related_results": results},
        )
    context.update(related_q=query, related_results=results)
    return render(request, DETAIL, context)


@post("/customers/{customer_id:int}/related", opt={"permission": EDIT}, sync_to_thread=True)
def related_link(
    request: Request[Any, Any, Any], customer_id: FromPath[int], data: Form
) -> Response[Any]:
    """Link a person to an organization (this customer is either)."""
    check_id(customer_id)
    _app, ctx = context_of(request)
    customer = ctx.customers.get(customer_id)
    other = one_value(data, "other_id", 20)
    title = one_value(data, "title", TITLE_MAX) or None
    errors: list[str] = []
    if not other.isdigit() or not 0 < int(other) <= MAX_ID:
        errors.append(translate_for(request, _("Choose a customer from the search results.")))
    if title is not None and len(title) > TITLE_MAX:
        errors.append(translate_for(request, _("At most {max} characters."), max=TITLE_MAX))
    if not errors:
        other_id = int(other)
        person, org = (
            (customer_id, other_id) if customer.get("kind") == "person" else (other_id, customer_id)
        )
        try:
            ctx.customers.affiliate(person, org, title=title)
        except NotFoundError:
            errors.append(translate_for(request, _("Choose a customer from the search results.")))
        except ValidationError as error:
            errors.extend(non_field_errors(request, error, []))
    if errors:
        return _related_response(request, customer_id, errors=errors, status=422)
    if not is_htmx(request):
        return Redirect(f"/customers/{customer_id}#customer-related", status_code=303)
    return _related_response(request, customer_id)


@post(
    "/customers/{customer_id:int}/related/{other_id:int}/remove",
    opt={"permission": EDIT},
    sync_to_thread=True,
)
def related_unlink(
    request: Request[Any, Any, Any], customer_id: FromPath[int], other_id: FromPath[int]
) -> Response[Any]:
    """Remove the link between this customer and another."""
    check_id(customer_id)
    check_id(other_id)
    _app, ctx = context_of(request)
    customer = ctx.customers.get(customer_id)
    if customer.get("kind") == "person":
        ctx.customers.unaffiliate(customer_id, other_id)
    else:
        ctx.customers.unaffiliate(other_id, customer_id)
    if not is_htmx(request):
        return Redirect(f"/customers/{customer_id}#customer-related", status_code=303)
    return _related_response(request, customer_id)


# -- history ----------------------------------------------------------------------------------
@get(
    "/customers/{customer_id:int}/history",
    opt={"permission": "core.customer.view"},
    sync_to_thread=True,
)
def history(
    request: Request[Any, Any, Any], customer_id: FromPath[int], before: Before = None
) -> Response[str]:
    """Who changed what and when, newest first, a page at a time."""
    check_id(customer_id)
    _app, ctx = context_of(request)
    customer = ctx.customers.get(customer_id)
    entries, next_before = ctx.customers.history_page(
        customer_id, limit=HISTORY_PAGE, before=before
    )
    context = {
        "customer": customer,
        "entries": history_entries(request, entries),
        "next_before": next_before,
    }
    if not is_htmx(request):
        return render(request, HISTORY_PAGE_TEMPLATE, context)
    return fragment(request, HISTORY_ITEMS if before else HISTORY, context)


ROUTES = [tag_add, tag_remove, related_search, related_link, related_unlink, history]
