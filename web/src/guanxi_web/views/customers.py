"""The customers list: search, filters, columns, sort, pages, tags, bulk changes, saved views.

One list request reads one page (one statement, two when sorted rows run into NULLs), the
page's tags and the owner/team names it shows (one query each); the full page adds the
lookups of its pickers (users, teams, tag names, saved views). Nothing is read per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import jinja2
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.response import Redirect
from sqlmodel import col, select

from guanxi_core import App, NotFoundError, Page, QueryError, Record, ValidationError, _
from guanxi_core.i18n import LazyText
from guanxi_core.models import Team, User
from guanxi_web.display import Display
from guanxi_web.rendering import ENVIRONMENT, is_htmx, page_context, render
from guanxi_web.saved_views import SavedView, SavedViews
from guanxi_web.state import request_state, web_context
from guanxi_web.views._customer_list import (
    NONE,
    PATH,
    TAGS,
    Column,
    ListState,
    Option,
    Translate,
    read_state,
    row_id,
    sort_options,
)
from guanxi_web.views._shared import actor_of, display_for

PAGE_SIZE = 50
MAX_SELECTED = 500
MAX_PICKER = 1000
TEMPLATE = "web/customers/list.html"
Req = Request[Any, Any, Any]


@dataclass
class Notice:
    """A message above the list (a bulk change's outcome) or in the views panel."""

    text: str
    error: bool = False


@dataclass
class ViewsPanel:
    """The saved views panel: the user's views, the open one, a message, field errors."""

    views: list[SavedView]
    active: SavedView | None
    notice: Notice | None = None
    errors: dict[str, str] = field(default_factory=dict)
    open: bool = False


def _translate(request: Req) -> Translate:
    """`_` of this request's language: a text (and its placeholders) translated."""
    app = web_context(request).app
    locale = request_state(request).locale

    def translate(text: LazyText | str, **params: Any) -> str:
        return app.translator.gettext(text, locale, **params)

    return translate


def state_of(request: Req, params: Any) -> ListState:
    """The list asked for by `params` (query parameter pairs) in this request's language."""
    return read_state(web_context(request).app, params, _translate(request))


def _read_page(request: Req, state: ListState) -> tuple[Page | None, str | None]:
    """The page of customers, or None and a message when the core refuses the request."""
    if not state.valid:
        return None, None
    app = web_context(request).app
    ctx = app.context(actor_of(request))
    try:
        page = ctx.customers.list(
            state.filters,
            search=state.q,
            tags=state.tags,
            sort=state.sort,
            limit=PAGE_SIZE,
            cursor=state.cursor,
        )
    except ValidationError as exc:
        translate = _translate(request)
        by_key = {c.key: c for c in state.controls}
        messages: list[str] = []
        for error in exc.errors:
            text = translate(error.message, **error.params)
            control = by_key.get(error.field)  # tag errors come as field "tags", like the control
            if control is not None:
                control.error = text
            else:
                messages.append(text)
        return None, " ".join(messages) or None
    except QueryError:  # a cursor the core refuses (e.g. one made for another sort)
        message = _("This page link is no longer valid. Start again from the first page.")
        return None, _translate(request)(message)
    return page, None


def _names(app: App) -> tuple[list[Option], list[Option]]:
    """Active users and all teams as options of the pickers (one query each).

    On the read engine (AUTOCOMMIT on PostgreSQL): no BEGIN/ROLLBACK round trips, and no
    rollback that makes psycopg forget the connection's prepared statements.
    """
    with app.read_engine.connect() as session:
        users = session.execute(
            select(User.id, User.display_name)
            .where(col(User.is_active))
            .order_by(col(User.display_name), col(User.id))
            .limit(MAX_PICKER)
        )
        user_options = [Option(str(i), name) for i, name in users]
        teams = session.execute(
            select(Team.id, Team.name).order_by(col(Team.name)).limit(MAX_PICKER)
        )
        team_options = [Option(str(i), name) for i, name in teams]
    return user_options, team_options


def _fill_options(
    state: ListState,
    users: list[Option],
    teams: list[Option],
    tags: list[str],
    translate: Translate,
) -> None:
    """Give the select filters their choices (translated; the users, teams and tags named)."""
    for control in state.controls:
        spec = control.spec
        if control.widget != "select":
            continue
        if spec is None:
            control.options = [Option(t, t) for t in tags]
        elif spec.references == "user":
            control.options = [Option(NONE, translate(_("Nobody"))), *users]
        elif spec.references == "team":
            control.options = [Option(NONE, translate(_("No team"))), *teams]
        elif spec.type == "bool":
            control.options = [Option("yes", translate(_("Yes"))), Option("no", translate(_("No")))]
        else:
            control.options = [Option(str(v), translate(label)) for v, label in spec.choices]
        current = control.value()
        if current and current not in {o.value for o in control.options}:
            control.options.append(Option(current, current))  # beyond the picker's limit


def list_rows(
    items: list[Record],
    columns: list[Column],
    tags: dict[int, list[str]],
    display: Display,
    translate: Translate,
) -> list[tuple[int, str, list[tuple[str, str, Any]]]]:
    """The rows as `_list_rows.html` shows them, every value formatted here once.

    Per row: the id, the label of its checkbox and, per column, `(kind, column label, value)`
    where kind is `name`, `tags` (value: the tag names) or `value` (the displayed text).
    """
    pick = translate(_("Select {name}"))
    rows: list[tuple[int, str, list[tuple[str, str, Any]]]] = []
    for item in items:
        values = item.values
        cells: list[tuple[str, str, Any]] = []
        for column in columns:
            key = column.key
            if key == "name":
                cells.append(("name", column.label, values.get("name")))
            elif key == TAGS:
                cells.append(("tags", column.label, tags.get(item.id)))
            else:
                text = display(column.spec, values.get(key)) if column.spec is not None else ""
                cells.append(("value", column.label, text))
        name = values.get("name")
        rows.append((item.id, pick.replace("{name}", "" if name is None else str(name)), cells))
    return rows


def _panel(request: Req, state: ListState) -> ViewsPanel:
    views = SavedViews(web_context(request).app.engine, actor_of(request).id or 0).all()
    active = next((v for v in views if v.id == state.view_id), None)
    return ViewsPanel(views, active)


def list_response(
    request: Req,
    state: ListState,
    *,
    notice: Notice | None = None,
    panel: ViewsPanel | None = None,
    bulk_done: bool = False,
    status_code: int | None = None,
    push_url: bool = True,
) -> Response[str]:
    """The list page for `state`: the full page, or for htmx the results (or more rows)."""
    app = web_context(request).app
    actor = actor_of(request)
    htmx = is_htmx(request)
    page, problem = _read_page(request, state)
    items = page.items if page is not None else []
    if problem:
        state.errors.append(problem)
    shown = state.shown
    specs = [c.spec for c in shown if c.spec is not None]
    ctx = app.context(actor)
    translate = _translate(request)
    tags = ctx.customers.tags_for(i.id for i in items) if any(c.key == TAGS for c in shown) else {}
    context: dict[str, Any] = {
        "state": state,
        "columns": shown,
        "items": items,
        "page": page,
        "next_cursor": page.next_cursor if page is not None else None,
        "tags": tags,
        "rows": list_rows(items, shown, tags, display_for(request, specs, items), translate),
        "notice": notice,
        "htmx": htmx,
        "bulk_done": bulk_done,
        "can_edit": actor.can("core.customer.edit"),
        "can_assign": actor.can("core.customer.assign"),
        "sort_options": sort_options(state, translate),
    }
    block: str | None = None
    if htmx:
        more = request.method == "GET" and "cursor" in request.query_params
        block = "rows" if more else "results"
    else:
        users, teams = _names(app)
        tag_names = ctx.customers.tag_names(limit=MAX_PICKER)
        _fill_options(state, users, teams, tag_names, translate)
        context |= {
            "users": users,
            "teams": teams,
            "tag_names": tag_names,
            "panel": panel or _panel(request, state),
        }
    headers: dict[str, str] = {}
    if htmx and block == "results" and push_url and request.method == "GET":
        headers["HX-Push-Url"] = state.url()
    if status_code is None:
        status_code = 200 if state.valid or htmx else 400
    if block is None and is_htmx(request):  # htmx restoring history wants the whole page
        env: jinja2.Environment = request.app.state[ENVIRONMENT]
        page_html = env.get_template(TEMPLATE).render(**page_context(request), **context)
        return Response(page_html, status_code=status_code, media_type=MediaType.HTML)
    return render(request, TEMPLATE, context, block=block, status_code=status_code, headers=headers)


@get(PATH, opt={"permission": "core.customer.view"}, sync_to_thread=True)
def customers_list(request: Req) -> Response[str]:
    """Visible customers: searched, filtered, sorted, a page at a time (see `_customer_list`)."""
    return list_response(request, state_of(request, request.query_params.multi_items()))


# -- bulk changes -----------------------------------------------------------------------------
def _selected(form: FormMultiDict) -> list[int] | None:
    raw = form.getall("shown", []) if form.get("all") == "1" else form.getall("ids", [])
    ids = [row_id(value) for value in raw]
    return None if None in ids else sorted({i for i in ids if i is not None})


def _bulk_message(request: Req, form: FormMultiDict) -> tuple[Notice, bool]:
    """Apply the bulk action of `form`; the message to show and whether anything ran."""
    translate = _translate(request)
    ids = _selected(form)
    action = form.get("action")
    if ids is None:
        return Notice(translate(_("The selection could not be read.")), error=True), False
    if not ids:
        return Notice(translate(_("Select at least one customer.")), error=True), False
    if len(ids) > MAX_SELECTED:
        message = _("Select at most {max} customers at once.")
        return Notice(translate(message, max=MAX_SELECTED), error=True), False
    customers = web_context(request).app.context(actor_of(request)).customers
    tag = form.get("tag")
    tag = tag.strip() if isinstance(tag, str) else ""
    try:
        if action in {"tag", "untag"}:
            if not tag:
                return Notice(translate(_("Enter the tag to add or remove.")), error=True), False
            if action == "tag":
                changed = customers.tag_many(ids, [tag])
                one, many = _("1 customer tagged “{tag}”."), _("{count} customers tagged “{tag}”.")
                rest = _("{count} already had this tag.")
            else:
                changed = customers.untag_many(ids, [tag])
                one = _("“{tag}” removed from 1 customer.")
                many = _("“{tag}” removed from {count} customers.")
                rest = _("{count} did not have this tag.")
        elif action == "assign":
            values = {
                key: value
                for key in ("owner_id", "team_id")
                if isinstance(value := form.get(key), str) and value
            }
            if not values:
                message = _("Choose an owner or a team to assign.")
                return Notice(translate(message), error=True), False
            changed = customers.update_many(ids, values)
            one, many = _("1 customer assigned."), _("{count} customers assigned.")
            rest = _("{count} already had this owner and team.")
        else:
            return Notice(translate(_("Choose what to do with the selection.")), error=True), False
    except NotFoundError as exc:
        refused = exc.entity_id if isinstance(exc.entity_id, list) else [exc.entity_id]
        message = _(
            "Nothing was changed: {count} of the selected customers are not available to you."
        )
        return Notice(translate(message, count=len(refused)), error=True), False
    except ValidationError as exc:
        texts = [translate(e.message, **e.params) for e in exc.errors]
        prefix = translate(_("Nothing was changed:"))
        return Notice(" ".join([prefix, *texts]), error=True), False
    text = translate(one if changed == 1 else many, count=changed, tag=tag)
    if changed < len(ids):
        text += " " + translate(rest, count=len(ids) - changed)
    return Notice(text), True


@post(f"{PATH}/bulk", opt={"permission": "core.customer.edit"}, status_code=200)
async def customers_bulk(request: Req) -> Response[str]:
    """Tag, untag or assign the selected customers (each change audited by the core)."""
    form = await request.form()

    def work() -> Response[str]:
        query = form.get("query")
        state = state_of(request, parse_qsl(query if isinstance(query, str) else "")[:300])
        state.cursor = None
        notice, done = _bulk_message(request, form)
        status = 200 if done or is_htmx(request) else 400
        return list_response(
            request, state, notice=notice, bulk_done=True, status_code=status, push_url=False
        )

    return await anyio.to_thread.run_sync(work)


# -- saved views ------------------------------------------------------------------------------
def _view_id(form: FormMultiDict) -> int:
    view_id = row_id(form.get("id"))
    if view_id is None:
        raise NotFoundException
    return view_id


def _views_response(
    request: Req,
    state: ListState,
    store: SavedViews,
    active: SavedView | None,
    *,
    notice: Notice | None = None,
    errors: dict[str, str] | None = None,
) -> Response[Any]:
    """The views panel (htmx) or, after a plain form, the list (the view opened)."""
    if active is not None:
        state.view_id = active.id
    else:
        state.view_id = None
    if not errors and not is_htmx(request):
        return Redirect(state.url(), status_code=303)
    panel = ViewsPanel(store.all(), active, notice, errors or {}, open=True)
    if not is_htmx(request):
        return list_response(request, state, panel=panel, status_code=400)
    headers = {} if errors else {"HX-Push-Url": state.url()}
    return render(
        request,
        TEMPLATE,
        {"panel": panel, "state": state},
        block="views",
        headers=headers,
    )


def _views_action(request: Req, form: FormMultiDict, action: str) -> Response[Any]:
    translate = _translate(request)
    where = "save" if action == "save" else "manage"  # which form shows a message
    query = form.get("query")
    query = query if isinstance(query, str) else ""
    state = state_of(request, parse_qsl(query)[:300])
    store = SavedViews(web_context(request).app.engine, actor_of(request).id or 0)
    active: SavedView | None = None
    if action != "save":
        active = store.get(_view_id(form))  # NotFoundError: another user's view → 404
    name = form.get("name")
    try:
        if action in {"save", "update"} and not state.valid:
            message = _("Correct the list's filters before saving it as a view.")
            return _views_response(
                request, state, store, active, errors={where: translate(message)}
            )
        if action == "save":
            active, created = store.save(name if isinstance(name, str) else "", state.query())
            message = _("View “{name}” saved.") if created else _("View “{name}” replaced.")
        elif action == "rename":
            assert active is not None
            active = store.rename(active.id, name if isinstance(name, str) else "")
            message = _("View renamed to “{name}”.")
        elif action == "update":
            assert active is not None
            active = store.update(active.id, state.query())
            message = _("View “{name}” now shows this list.")
        else:
            assert active is not None
            store.delete(active.id)
            message = _("View “{name}” deleted.")
            name, active = active.name, None
            return _views_response(
                request, state, store, None, notice=Notice(translate(message, name=name))
            )
    except ValidationError as exc:
        texts = [translate(e.message, **e.params) for e in exc.errors]
        return _views_response(request, state, store, active, errors={where: " ".join(texts)})
    notice = Notice(translate(message, name=active.name))
    return _views_response(request, state, store, active, notice=notice)


async def _views_form(request: Req, action: str) -> Response[Any]:
    form = await request.form()
    return await anyio.to_thread.run_sync(_views_action, request, form, action)


@post(f"{PATH}/views", opt={"permission": "core.customer.view"}, status_code=200)
async def save_view(request: Req) -> Response[Any]:
    """Save the current list as a view of the user (replacing their view of that name)."""
    return await _views_form(request, "save")


@post(f"{PATH}/views/rename", opt={"permission": "core.customer.view"}, status_code=200)
async def rename_view(request: Req) -> Response[Any]:
    """Rename one of the user's views."""
    return await _views_form(request, "rename")


@post(f"{PATH}/views/update", opt={"permission": "core.customer.view"}, status_code=200)
async def update_view(request: Req) -> Response[Any]:
    """Make one of the user's views show the current list."""
    return await _views_form(request, "update")


@post(f"{PATH}/views/delete", opt={"permission": "core.customer.view"}, status_code=200)
async def delete_view(request: Req) -> Response[Any]:
    """Delete one of the user's views."""
    return await _views_form(request, "delete")


ROUTES = [customers_list, customers_bulk, save_view, rename_view, update_view, delete_view]
