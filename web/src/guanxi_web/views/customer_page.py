"""The 360° customer page and the new-customer form.

The page shows a header of key facts, one panel of fields per plugin (the core's first), each
edited inline (htmx swaps the panel for its form and back; without JavaScript the same URLs
serve full pages), the activity timeline, and a sidebar of tags, related people or
organizations and the customer's history (their routes are in `customer_sidebar`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import jinja2
from litestar import Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect

from guanxi_core import App, ConflictError, Page, ValidationError, _
from guanxi_core.access import Actor
from guanxi_core.fields import FieldSpec
from guanxi_core.services.context import Context
from guanxi_core.services.records import Record
from guanxi_web.forms import (
    SELECTABLE_REFERENCES,
    FormField,
    form_fields,
    non_field_errors,
    read_form,
)
from guanxi_web.rendering import ENVIRONMENT, is_htmx, page_context, render
from guanxi_web.state import web_context
from guanxi_web.views._customer_changes import (
    Change,
    changes_of,
    format_when,
    user_names,
)
from guanxi_web.views._shared import actor_of, check_id, display_for, translate_for
from guanxi_web.views.activities import PAGE_SIZE as TIMELINE_PAGE
from guanxi_web.views.activities import timeline_context

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

CORE_PANEL = "core"
ASSIGN = "core.customer.assign"
EDIT = "core.customer.edit"

DETAIL = "web/customers/detail.html"
PANEL = "web/customers/_panel.html"
NEW = "web/customers/new.html"


@dataclass
class Conflict:
    """Someone else's save that stopped the user's: who, when and what they changed."""

    who: str
    is_you: bool
    when: str
    changes: list[Change]


@dataclass
class Panel:
    """One panel of the page: a plugin's fields (or the core's), shown or in its form.

    Attributes:
        slug: `core` or the plugin's slug (the panel's URL and element id).
        title: the translated title.
        fields: the fields shown.
        editable: the fields the user may change here.
        form: the controls when the panel is being edited, else None.
        errors: translated messages that belong to no control.
        conflict: the change that stopped the last save, if any.
        version: the customer version the form was read at.
    """

    slug: str
    title: str
    fields: list[FieldSpec]
    editable: list[FieldSpec]
    form: list[FormField] | None = None
    errors: list[str] = field(default_factory=list)
    conflict: Conflict | None = None
    version: int = 0


def _may_set(spec: FieldSpec, actor: Actor) -> bool:
    """Whether `actor` may set `spec` in a form (owner and team only with the assign right)."""
    if not spec.editable:
        return False
    return spec.references not in SELECTABLE_REFERENCES or actor.can(ASSIGN)


def panels_of(request: Request[Any, Any, Any]) -> list[Panel]:
    """The customer panels: the core's fields, then one per plugin with customer fields."""
    app = web_context(request).app
    actor = actor_of(request)
    groups: dict[str, list[FieldSpec]] = {CORE_PANEL: []}
    for spec in app.fields.for_entity("customer"):
        groups.setdefault(spec.plugin, []).append(spec)
    panels: list[Panel] = []
    for slug, specs in groups.items():
        title = _("Details") if slug == CORE_PANEL else app.plugin(slug).title
        editable = [s for s in specs if _may_set(s, actor)] if actor.can(EDIT) else []
        panels.append(Panel(slug, translate_for(request, title), specs, editable))
    return panels


def fragment(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any]
) -> Response[str]:
    """A partial template rendered whole (the answer to an htmx request)."""
    env: jinja2.Environment = request.app.state[ENVIRONMENT]
    html = env.get_template(template).render(**{**page_context(request), **context})
    return Response(html, status_code=200, media_type=MediaType.HTML)


def _panel(request: Request[Any, Any, Any], slug: str) -> Panel:
    for panel in panels_of(request):
        if panel.slug == slug:
            return panel
    raise NotFoundException


def context_of(request: Request[Any, Any, Any]) -> tuple[App, Context]:
    """The app and the services acting as the signed-in user."""
    app = web_context(request).app
    return app, app.context(actor_of(request))


def _version(data: dict[str, Any]) -> int:
    """The record version a form was read at; 400 when missing or malformed."""
    value = data.get("version")
    if isinstance(value, str) and value.isdigit() and 0 < len(value) < 19:
        return int(value)
    raise ClientException(detail="version")


def one_value(data: dict[str, Any], key: str, limit: int) -> str:
    """One posted text, stripped; one character past `limit` at most (so "too long" shows)."""
    value = data.get(key, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip()[: limit + 1] if isinstance(value, str) else ""


def customer_context(
    request: Request[Any, Any, Any], customer_id: int, panels: list[Panel] | None = None
) -> dict[str, Any]:
    """Everything the full page renders (a 404 for a customer the user may not see)."""
    app, ctx = context_of(request)
    # One read: `view.activities` (slot panels are promised the latest activities) is the
    # timeline's first page too.
    view = ctx.customers.view360(customer_id, activities=TIMELINE_PAGE)
    customer = view.customer
    panels = panels if panels is not None else panels_of(request)
    specs = app.fields.for_entity("customer")
    # The customer's and the activities' owners and teams named in one query (the
    # timeline's display finds them read already: `RequestState.names`).
    display = display_for(request, specs, [customer, *view.activities])
    first = Page(view.activities, next_cursor=view.activities_cursor)
    return {
        "view": view,
        "customer": customer,
        "panels": panels,
        "fields": {s.key: s for s in specs},
        "display": display,
        "can_edit": actor_of(request).can(EDIT),
        **timeline_context(request, customer_id, page=first),
        "related_q": "",
        "related_results": None,
        "related_errors": [],
        "tag_errors": [],
        "tag_input": "",
    }


def header_context(request: Request[Any, Any, Any], customer: Record) -> dict[str, Any]:
    """What the header and the key facts need (for out-of-band refreshes after a change)."""
    app, ctx = context_of(request)
    specs = app.fields.for_entity("customer")
    return {
        "customer": customer,
        "fields": {s.key: s for s in specs},
        "display": display_for(request, specs, [customer]),
        "view": ctx.customers.view360(customer.id, activities=0),
        "oob": True,
    }


# -- the page -------------------------------------------------------------------------------
@get("/customers/{customer_id:int}", opt={"permission": "core.customer.view"}, sync_to_thread=True)
def customer_page(request: Request[Any, Any, Any], customer_id: FromPath[int]) -> Response[str]:
    """The 360° page of a visible customer; 404 for one the user may not see."""
    check_id(customer_id)
    return render(request, DETAIL, customer_context(request, customer_id))


# -- panels -----------------------------------------------------------------------------------
def _show_panel(
    request: Request[Any, Any, Any], customer_id: int, panel: Panel, *, status: int = 200
) -> Response[str]:
    """The panel alone for htmx, else the whole page with the panel in its current state."""
    if not is_htmx(request):
        panels = [panel if p.slug == panel.slug else p for p in panels_of(request)]
        return render(
            request, DETAIL, customer_context(request, customer_id, panels), status_code=status
        )
    _app, ctx = context_of(request)
    customer = ctx.customers.get(customer_id)
    specs = panel.fields
    return fragment(
        request,
        PANEL,
        {
            "panel": panel,
            "customer": customer,
            "display": display_for(request, specs, [customer]),
            "can_edit": actor_of(request).can(EDIT),
        },
    )


@get(
    "/customers/{customer_id:int}/panels/{panel:str}",
    opt={"permission": "core.customer.view"},
    sync_to_thread=True,
)
def panel_view(
    request: Request[Any, Any, Any], customer_id: FromPath[int], panel: FromPath[str]
) -> Response[str]:
    """One panel, read-only (what Cancel brings back)."""
    check_id(customer_id)
    return _show_panel(request, customer_id, _panel(request, panel))


@get(
    "/customers/{customer_id:int}/panels/{panel:str}/edit",
    opt={"permission": EDIT},
    sync_to_thread=True,
)
def panel_edit(
    request: Request[Any, Any, Any], customer_id: FromPath[int], panel: FromPath[str]
) -> Response[str]:
    """One panel as a form, with the current values and version."""
    check_id(customer_id)
    shown = _panel(request, panel)
    if not shown.editable:
        raise NotFoundException
    customer = web_context(request).app.context(actor_of(request)).customers.get(customer_id)
    shown.version = customer.version
    shown.form = _controls(request, shown, customer.values)
    return _show_panel(request, customer_id, shown)


def _controls(
    request: Request[Any, Any, Any],
    panel: Panel,
    values: dict[str, Any],
    error: ValidationError | None = None,
    raw: dict[str, Any] | None = None,
) -> list[FormField]:
    controls = form_fields(request, panel.editable, values, error, raw, prefix=f"p-{panel.slug}")
    focus = next((c for c in controls if c.errors), controls[0] if controls else None)
    if focus is not None:
        focus.autofocus = True
    return controls


def _conflict(request: Request[Any, Any, Any], conflict: ConflictError) -> Conflict:
    app, ctx = context_of(request)
    changes = conflict.changes
    if not any(app.fields.get("customer", key) for key in changes):
        # The latest entry is not an edit (e.g. a tag): show the latest edit instead.
        entries, _next = ctx.customers.history_page(conflict.entity_id, limit=50)
        latest = next((e for e in entries if e.action == "update"), None)
        if latest is not None:
            changes = latest.changes
    actor = actor_of(request)
    names = user_names(app, [conflict.changed_by])
    when = format_when(request, conflict.changed_at) if conflict.changed_at else ""
    return Conflict(
        who=names.get(conflict.changed_by or 0, translate_for(request, _("Someone"))),
        is_you=conflict.changed_by is not None and conflict.changed_by == actor.id,
        when=when,
        changes=changes_of(request, [changes])[0],
    )


@post(
    "/customers/{customer_id:int}/panels/{panel:str}/save",
    opt={"permission": EDIT},
    sync_to_thread=True,
)
def panel_save(
    request: Request[Any, Any, Any], customer_id: FromPath[int], panel: FromPath[str], data: Form
) -> Response[Any]:
    """Save one panel; on refusal the form comes back with the messages and the input kept."""
    check_id(customer_id)
    _app, ctx = context_of(request)
    customer = ctx.customers.get(customer_id)  # 404 before anything about the input
    shown = _panel(request, panel)
    if not shown.editable:
        raise NotFoundException
    version = _version(data)
    raw = read_form(shown.editable, data)
    try:
        ctx.customers.update(customer_id, raw, version=version)
    except ValidationError as error:
        shown.version = version
        shown.form = _controls(request, shown, customer.values, error, raw)
        shown.errors = non_field_errors(request, error, shown.editable)
        return _show_panel(request, customer_id, shown, status=200 if is_htmx(request) else 422)
    except ConflictError as conflict:
        shown.version = conflict.current_version  # saving again replaces their change
        shown.conflict = _conflict(request, conflict)
        shown.form = _controls(request, shown, customer.values, raw=raw)
        return _show_panel(request, customer_id, shown, status=200 if is_htmx(request) else 409)
    if not is_htmx(request):
        return Redirect(f"/customers/{customer_id}#panel-{shown.slug}", status_code=303)
    saved = ctx.customers.get(customer_id)
    return fragment(
        request,
        PANEL,
        {
            "panel": shown,
            "customer": saved,
            "display": display_for(request, shown.fields, [saved]),
            "can_edit": True,
            "refresh": header_context(request, saved),
        },
    )


# -- a new customer ---------------------------------------------------------------------------
def _new_groups(
    request: Request[Any, Any, Any],
    values: dict[str, Any],
    error: ValidationError | None = None,
    raw: dict[str, Any] | None = None,
) -> list[tuple[str, list[FormField]]]:
    """The new-customer form: one group of controls per panel."""
    groups = []
    for panel in panels_of(request):
        specs = [s for s in panel.fields if _may_set(s, actor_of(request))]
        if specs:
            groups.append(
                (panel.title, form_fields(request, specs, values, error, raw, prefix="new"))
            )
    controls = [c for _title, group in groups for c in group]
    focus = next((c for c in controls if c.errors), controls[0] if controls else None)
    if focus is not None:
        focus.autofocus = True
    return groups


def _creatable(request: Request[Any, Any, Any]) -> list[FieldSpec]:
    actor = actor_of(request)
    app = web_context(request).app
    return [s for s in app.fields.for_entity("customer") if _may_set(s, actor)]


@get("/customers/new", opt={"permission": "core.customer.create"}, sync_to_thread=True)
def new_customer_form(
    request: Request[Any, Any, Any],
    kind: Annotated[str, QueryParameter(max_length=20)] = "person",
) -> Response[str]:
    """The form of a new person or organization."""
    app = web_context(request).app
    defaults = {s.key: s.default for s in app.fields.for_entity("customer")}
    if kind in {"person", "organization"}:
        defaults["kind"] = kind
    return render(request, NEW, {"groups": _new_groups(request, defaults), "errors": []})


@post("/customers/create", opt={"permission": "core.customer.create"}, sync_to_thread=True)
def new_customer(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """Create the customer and go to its page; on refusal, the form with the messages."""
    specs = _creatable(request)
    raw = read_form(specs, data)
    _app, ctx = context_of(request)
    try:
        created = ctx.customers.create(raw)
    except ValidationError as error:
        return render(
            request,
            NEW,
            {
                "groups": _new_groups(request, {}, error, raw),
                "errors": non_field_errors(request, error, specs),
            },
            status_code=200 if is_htmx(request) else 422,
        )
    return Redirect(f"/customers/{created.id}", status_code=303)


ROUTES = [new_customer_form, new_customer, customer_page, panel_view, panel_edit, panel_save]
