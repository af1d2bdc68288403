"""A customer's activity timeline: kind filter, infinite scroll, logging, editing, transitions.

The first page of the timeline is part of the customer page (`timeline_context`); every
other screen here is an htmx fragment on an htmx request and a full page otherwise, so each
works without JavaScript too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect

from guanxi_core import (
    ActivityKind,
    App,
    ConflictError,
    FieldError,
    LazyText,
    Page,
    Record,
    ValidationError,
    WorkflowError,
    _,
)
from guanxi_core.models import utcnow
from guanxi_core.services.activities import ActivityService
from guanxi_web.forms import FormField, form_fields, non_field_errors, read_form
from guanxi_web.rendering import is_htmx, render
from guanxi_web.state import web_context
from guanxi_web.views._activity_display import (
    TimelineView,
    activity_views,
    kind_options,
)
from guanxi_web.views._activity_forms import EditForm, LogForm, form_specs
from guanxi_web.views._shared import actor_of, check_id, translate_for

PAGE_SIZE = 20
QUICK_KINDS = ("core.note", "core.call", "core.visit")
"""The kinds with a one-click button at the top of the timeline."""
DEFAULT_KIND = "core.note"

NO_SUCH_KIND = _("There is no such kind of activity.")
CONFLICT_NOW = _(
    "Someone else changed this activity since you opened it. It now shows the latest "
    "version: check it and try again if still needed."
)
CONFLICT_FORM = _(
    "Someone else changed this activity since you opened it. Your input is kept: check it "
    "and save again to replace their change."
)
NO_SUCH_ACTION = _("This action is not available for this activity.")

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KindsParam = Annotated[list[str] | None, QueryParameter(name="kind")]
CursorParam = Annotated[str | None, QueryParameter(max_length=2000)]
KindParam = Annotated[str, QueryParameter(max_length=200)]
FlagParam = Annotated[str, QueryParameter(max_length=10)]


class BadInput(Exception):
    """A request this module refuses with a 400 page carrying `message`."""

    def __init__(self, message: LazyText) -> None:
        super().__init__(message.msgid)
        self.message = message


def _app(request: Request[Any, Any, Any]) -> App:
    return web_context(request).app


def _problem(request: Request[Any, Any, Any], status: int, message: LazyText) -> Response[str]:
    return render(
        request, "web/error.html", {"status_code": status, "message": message}, status_code=status
    )


def _timeline_url(customer_id: int, kinds: Sequence[str], cursor: str | None = None) -> str:
    query = [("kind", k) for k in kinds] + ([("cursor", cursor)] if cursor else [])
    return f"/customers/{customer_id}/timeline" + (f"?{urlencode(query)}" if query else "")


def _check_kinds(app: App, kinds: Sequence[str]) -> list[str]:
    wanted = [k for k in kinds if k]
    if len(wanted) > len(app.kinds) or any(k not in app.kinds for k in wanted):
        raise BadInput(NO_SUCH_KIND)
    return wanted


def timeline_context(
    request: Request[Any, Any, Any],
    customer_id: int,
    *,
    kinds: Sequence[str] = (),
    cursor: str | None = None,
    page: Page | None = None,
) -> dict[str, Any]:
    """What `web/activities/_timeline.html` needs: `{"timeline": TimelineView}`.

    The customer page calls it for the first page, passing the `page` it read already (the
    first `PAGE_SIZE` activities, unfiltered). `NotFoundError` when the user may not see the
    customer; `QueryError` for a malformed cursor.
    """
    app = _app(request)
    actor = actor_of(request)
    if page is None:
        page = app.context(actor).activities.timeline(
            customer_id, kinds=kinds, limit=PAGE_SIZE, cursor=cursor
        )
    can_log = actor.can("core.activity.create")
    return {
        "timeline": TimelineView(
            customer_id=customer_id,
            items=activity_views(request, page.items),
            next_url=(
                _timeline_url(customer_id, kinds, page.next_cursor) if page.next_cursor else None
            ),
            kinds=kind_options(request),
            selected=kinds[0] if len(kinds) == 1 else "",
            quick=kind_options(request, QUICK_KINDS) if can_log else [],
            can_log=can_log,
        )
    }


# -- the timeline ----------------------------------------------------------------------------
@get(
    "/customers/{customer_id:int}/timeline",
    opt={"permission": "core.activity.view"},
    sync_to_thread=True,
)
def timeline(
    request: Request[Any, Any, Any],
    customer_id: FromPath[int],
    kind: KindsParam = None,
    cursor: CursorParam = None,
) -> Response[str]:
    """A page of the customer's timeline, newest first, optionally of one kind.

    htmx gets the panel (a new filter) or the next page's entries (a cursor: infinite
    scroll); a plain request gets the page with the timeline.
    """
    check_id(customer_id)
    app = _app(request)
    try:
        kinds = _check_kinds(app, kind or [])
    except BadInput as exc:
        return _problem(request, 400, exc.message)
    context = timeline_context(request, customer_id, kinds=kinds, cursor=cursor or None)
    if is_htmx(request):
        if cursor:
            return render(request, "web/activities/_items.html", context)
        return render(request, "web/activities/timeline.html", context, block="panel")
    customer = app.context(actor_of(request)).customers.get(customer_id)
    return render(request, "web/activities/timeline.html", {**context, "customer": customer})


def _item_response(
    request: Request[Any, Any, Any],
    record: Record,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response[str]:
    """One activity: the `<li>` for htmx, its page otherwise."""
    view = activity_views(request, [record], {record.id: error} if error else None)[0]
    context: dict[str, Any] = {"activity": view}
    if not is_htmx(request):
        ctx = _app(request).context(actor_of(request))
        context["customer"] = ctx.customers.get(view.customer_id)
    return render(
        request,
        "web/activities/activity.html",
        context,
        block="item",
        status_code=status_code if not is_htmx(request) else 200,
    )


@get("/activities/{activity_id:int}", opt={"permission": "core.activity.view"}, sync_to_thread=True)
def activity(request: Request[Any, Any, Any], activity_id: FromPath[int]) -> Response[str]:
    """One activity (for htmx: its timeline entry, e.g. when an edit is cancelled)."""
    check_id(activity_id)
    record = _app(request).context(actor_of(request)).activities.get(activity_id)
    return _item_response(request, record)


def _version(data: Mapping[str, Any], activities: ActivityService, activity_id: int) -> int:
    """The `version` the form was rendered with; a 400 when missing or malformed.

    An activity the user may not see is a 404 first, whatever the form holds.
    """
    value = data.get("version")
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value)
    activities.get(activity_id)
    raise HTTPException(status_code=400, detail="version")


def _back_to(record: Record) -> Redirect:
    return Redirect(f"/customers/{record['customer_id']}#activity-{record.id}", status_code=303)


# -- workflow transitions ---------------------------------------------------------------------
@post(
    "/activities/{activity_id:int}/transitions/{name:str}",
    opt={"permission": "core.activity.edit"},
    sync_to_thread=True,
)
def transition(
    request: Request[Any, Any, Any], activity_id: FromPath[int], name: FromPath[str], data: Form
) -> Response[Any]:
    """Make a workflow transition; a refusal is shown on the activity, never as an error page."""
    check_id(activity_id)
    activities = _app(request).context(actor_of(request)).activities
    version = _version(data, activities, activity_id)
    try:
        record = activities.transition(activity_id, name[:100], version=version)
    except ConflictError:
        return _item_response(
            request,
            activities.get(activity_id),
            error=translate_for(request, CONFLICT_NOW),
            status_code=409,
        )
    except WorkflowError as exc:
        record = activities.get(activity_id)
        kind = _app(request).kinds.get(str(record["kind"]))
        known = kind is not None and kind.workflow is not None and kind.workflow.transition(name)
        message = str(exc) if known else translate_for(request, NO_SUCH_ACTION)
        return _item_response(request, record, error=message, status_code=409)
    if is_htmx(request):
        return _item_response(request, record)
    return _back_to(record)


# -- delete -----------------------------------------------------------------------------------
@get(
    "/activities/{activity_id:int}/delete",
    opt={"permission": "core.activity.delete"},
    sync_to_thread=True,
)
def confirm_delete(request: Request[Any, Any, Any], activity_id: FromPath[int]) -> Response[str]:
    """Ask before deleting (the page a user without JavaScript reaches)."""
    check_id(activity_id)
    ctx = _app(request).context(actor_of(request))
    record = ctx.activities.get(activity_id)
    view = activity_views(request, [record])[0]
    return render(
        request,
        "web/activities/delete.html",
        {"activity": view, "customer": ctx.customers.get(view.customer_id)},
    )


@post(
    "/activities/{activity_id:int}/delete",
    opt={"permission": "core.activity.delete"},
    sync_to_thread=True,
)
def delete(
    request: Request[Any, Any, Any], activity_id: FromPath[int], data: Form
) -> Response[Any]:
    """Delete an activity: htmx removes its entry; a plain form returns to the customer."""
    check_id(activity_id)
    activities = _app(request).context(actor_of(request)).activities
    record = activities.get(activity_id)
    version = _version(data, activities, activity_id)
    try:
        activities.delete(activity_id, version=version)
    except ConflictError:
        return _item_response(
            request,
            activities.get(activity_id),
            error=translate_for(request, CONFLICT_NOW),
            status_code=409,
        )
    if is_htmx(request):
        return Response("", status_code=200, media_type="text/html")
    return Redirect(f"/customers/{record['customer_id']}", status_code=303)


# -- the log and edit forms -------------------------------------------------------------------
def _focused(fields: list[FormField], *, first: bool) -> list[FormField]:
    """Focus the first field with an error, else (when `first`) the first field.

    After a change of kind nothing is focused, so htmx keeps the focus on the kind picker.
    """
    target = next((f for f in fields if f.errors), fields[0] if first and fields else None)
    if target is not None:
        target.autofocus = True
    return fields


def _kind_or_400(app: App, key: str | None) -> ActivityKind:
    """The kind `key`, or the default kind when none is given; `BadInput` when unknown."""
    if key:
        kind = app.kinds.get(key)
    else:
        kind = app.kinds.get(DEFAULT_KIND) or next(iter(app.kinds.values()), None)
    if kind is None:
        raise BadInput(NO_SUCH_KIND)
    return kind


def _log_form(
    request: Request[Any, Any, Any],
    customer: Record,
    kind: ActivityKind,
    *,
    raw: Mapping[str, Any] | None = None,
    error: ValidationError | None = None,
    standalone: bool,
    status_code: int = 200,
) -> Response[str]:
    app = _app(request)
    specs = form_specs(app, kind)
    now = utcnow().replace(second=0, microsecond=0)
    defaults = {"occurred_at": now, "owner_id": actor_of(request).id}
    form = LogForm(
        customer_id=customer.id,
        kind=kind_options(request, [kind.key])[0],
        kinds=kind_options(request),
        fields=_focused(
            form_fields(request, specs, defaults, error, raw, prefix=f"log-{customer.id}"),
            first=raw is None,
        ),
        errors=non_field_errors(request, error, specs) if error is not None else [],
        standalone=standalone,
    )
    return render(
        request,
        "web/activities/log.html",
        {"form": form, "customer": customer},
        block="form",
        status_code=status_code,
    )


@get(
    "/customers/{customer_id:int}/activities/new",
    opt={"permission": "core.activity.create"},
    sync_to_thread=True,
)
def new_activity(
    request: Request[Any, Any, Any],
    customer_id: FromPath[int],
    kind: KindParam = "",
    standalone: FlagParam = "",
) -> Response[str]:
    """The log form: a kind picker and the chosen kind's fields, keeping what was typed.

    Changing the kind re-requests this with the typed values as query parameters.
    """
    check_id(customer_id)
    app = _app(request)
    customer = app.context(actor_of(request)).customers.get(customer_id)
    try:
        chosen = _kind_or_400(app, kind)
    except BadInput as exc:
        return _problem(request, 400, exc.message)
    specs = form_specs(app, chosen)
    typed = read_form(specs, request.query_params)
    return _log_form(
        request,
        customer,
        chosen,
        raw={k: v for k, v in typed.items() if v is not None} or None,
        standalone=not is_htmx(request) or standalone == "1",
    )


def _translated_error(field: str, message: LazyText) -> ValidationError:
    return ValidationError([FieldError(field, "invalid", message)])


def _this_minute(value: Any) -> bool:
    """Whether a posted date and time (to the minute; naive is UTC) means "just now".

    The form's default is the minute it was opened; taken literally, an entry logged now
    would sort below one logged seconds earlier, so the last two minutes count as now.
    """
    try:
        when = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return False
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return 0 <= (utcnow() - when).total_seconds() < 120


@post(
    "/customers/{customer_id:int}/activities",
    opt={"permission": "core.activity.create"},
    sync_to_thread=True,
)
def create_activity(
    request: Request[Any, Any, Any], customer_id: FromPath[int], data: Form
) -> Response[Any]:
    """Log an activity; errors go next to their fields, the input kept.

    htmx (on the customer page): the form closes and the entry is put at the top of the
    timeline. A plain form: back to the customer page.
    """
    check_id(customer_id)
    app = _app(request)
    ctx = app.context(actor_of(request))
    customer = ctx.customers.get(customer_id)
    standalone = not is_htmx(request)
    status = 400 if standalone else 200
    key = data.get("kind")
    kind = app.kinds.get(key) if isinstance(key, str) else None
    if kind is None:
        fallback = _kind_or_400(app, None)
        return _log_form(
            request,
            customer,
            fallback,
            raw=read_form(form_specs(app, fallback), data),
            error=_translated_error("kind", NO_SUCH_KIND),
            standalone=standalone,
            status_code=400,
        )
    specs = form_specs(app, kind)
    raw = read_form(specs, data)
    values = {k: v for k, v in raw.items() if v is not None}
    if _this_minute(values.get("occurred_at")):
        del values["occurred_at"]  # the form's default, "now": keep the seconds for ordering
    try:
        record = ctx.activities.create({**values, "kind": kind.key, "customer_id": customer_id})
    except ValidationError as exc:
        return _log_form(
            request, customer, kind, raw=raw, error=exc, standalone=standalone, status_code=status
        )
    if standalone:
        return _back_to(record)
    return render(
        request,
        "web/activities/_created.html",
        {
            "activity": activity_views(request, [record])[0],
            "customer_id": customer_id,
            "kind_label": translate_for(request, kind.label),
        },
    )


def _edit_form(
    request: Request[Any, Any, Any],
    record: Record,
    *,
    raw: Mapping[str, Any] | None = None,
    error: ValidationError | None = None,
    message: str = "",
    version: int | None = None,
    status_code: int = 200,
) -> Response[str]:
    app = _app(request)
    kind = app.kinds.get(str(record["kind"]))
    if kind is None:  # the plugin of its kind was disabled: nothing to edit it with
        raise BadInput(NO_SUCH_KIND)
    specs = form_specs(app, kind, record)
    standalone = not is_htmx(request)
    view = activity_views(request, [record])[0]
    errors = non_field_errors(request, error, specs) if error is not None else []
    form = EditForm(
        activity=view,
        version=version if version is not None else record.version,
        fields=_focused(
            form_fields(request, specs, record.values, error, raw, prefix=f"edit-{record.id}"),
            first=True,
        ),
        errors=[message, *errors] if message else errors,
        standalone=standalone,
    )
    context: dict[str, Any] = {"form": form}
    if standalone:
        context["customer"] = app.context(actor_of(request)).customers.get(view.customer_id)
    return render(
        request,
        "web/activities/edit.html",
        context,
        block="form",
        status_code=status_code if standalone else 200,
    )


@get(
    "/activities/{activity_id:int}/edit",
    opt={"permission": "core.activity.edit"},
    sync_to_thread=True,
)
def edit_activity(request: Request[Any, Any, Any], activity_id: FromPath[int]) -> Response[str]:
    """The edit form of an activity (htmx: in place of its timeline entry)."""
    check_id(activity_id)
    record = _app(request).context(actor_of(request)).activities.get(activity_id)
    try:
        return _edit_form(request, record)
    except BadInput as exc:
        return _problem(request, 400, exc.message)


@post(
    "/activities/{activity_id:int}", opt={"permission": "core.activity.edit"}, sync_to_thread=True
)
def update_activity(
    request: Request[Any, Any, Any], activity_id: FromPath[int], data: Form
) -> Response[Any]:
    """Save an edit with the version it was made on; a conflict keeps the user's input."""
    check_id(activity_id)
    app = _app(request)
    activities = app.context(actor_of(request)).activities
    current = activities.get(activity_id)
    version = _version(data, activities, activity_id)
    kind = app.kinds.get(str(current["kind"]))
    if kind is None:
        return _problem(request, 400, NO_SUCH_KIND)
    raw = read_form(form_specs(app, kind, current), data)
    status = 200 if is_htmx(request) else 400
    try:
        record = activities.update(activity_id, raw, version=version)
    except ValidationError as exc:
        return _edit_form(request, current, raw=raw, error=exc, version=version, status_code=status)
    except ConflictError as exc:
        return _edit_form(
            request,
            current,
            raw=raw,
            message=translate_for(request, CONFLICT_FORM),
            version=exc.current_version,
            status_code=409,
        )
    if is_htmx(request):
        return _item_response(request, record)
    return _back_to(record)


# One router, so Litestar registers each handler once: registering a second handler on a
# path already registered re-runs the registration of the first, which wraps a
# `sync_to_thread` function a second time (Litestar 2.25) and its response becomes an
# unawaited coroutine (a 500 on GET /activities/{id} and /activities/{id}/delete).
ROUTES = [
    Router(
        path="/",
        route_handlers=[
            timeline,
            activity,
            transition,
            confirm_delete,
            delete,
            new_activity,
            create_activity,
            edit_activity,
            update_activity,
        ],
    )
]
