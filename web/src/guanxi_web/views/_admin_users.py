"""Administration of users and teams: lists, forms, password resets.

A form posts to a path of its own (`/admin/users/create`, not `/admin/users`): Litestar
registers a handler twice when a GET and a POST share a path and handlers are built per app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date
from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter

from guanxi_core import App, FieldError, QueryError, ValidationError, _
from guanxi_core.i18n import SUPPORTED_LOCALES
from guanxi_core.services.teams import TeamInfo, TeamService
from guanxi_core.services.users import UserInfo, UserService
from guanxi_web.rendering import LANGUAGE_NAMES, render
from guanxi_web.state import request_state, web_context
from guanxi_web.views._admin import (
    ADMIN_BLOCK,
    USERS,
    Errors,
    Form,
    checked,
    end_sessions,
    errors_from,
    redirect,
    text,
    translated,
    values,
)
from guanxi_web.views._shared import actor_of, check_id

PAGE_SIZE = 50
USER_FIELDS = ("username", "display_name", "email", "password", "locale", "team_id", "roles")
EDIT_FIELDS = ("display_name", "email", "locale", "team_id", "roles", "is_active")
STATUS_FILTERS = {"": None, "active": True, "inactive": False}
NOTICES = {
    "created": _("The user was created."),
    "saved": _("Your changes were saved."),
    "deactivated": _("The user was deactivated and signed out everywhere."),
    "password": _("The password was changed; the user's other sessions were signed out."),
}
TEAM_NOTICES = {
    "created": _("The team was created."),
    "renamed": _("The team was renamed."),
    "deleted": _("The team was deleted."),
}
PASSWORDS_DIFFER = _("The two passwords differ.")


@dataclass
class Option:
    """A choice of a select or a checkbox list, its label translated."""

    value: str
    label: str
    selected: bool = False


@dataclass
class UserForm:
    """The values, choices and errors of a user form (new or edit)."""

    values: dict[str, Any]
    errors: Errors = field(default_factory=Errors)
    roles: list[Option] = field(default_factory=list)
    teams: list[Option] = field(default_factory=list)
    locales: list[Option] = field(default_factory=list)


def _app(request: Request[Any, Any, Any]) -> App:
    return web_context(request).app


def _locale(request: Request[Any, Any, Any]) -> str:
    return request_state(request).locale


def _users(request: Request[Any, Any, Any]) -> UserService:
    return UserService(_app(request).context(actor_of(request)))


def _teams(request: Request[Any, Any, Any]) -> TeamService:
    return TeamService(_app(request).context(actor_of(request)))


def role_labels(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Role name → its label in the request's language."""
    app, locale = _app(request), _locale(request)
    return {name: translated(app, locale, info.label) for name, info in app.roles.items()}


def _form(
    request: Request[Any, Any, Any],
    form_values: dict[str, Any],
    errors: Errors | None = None,
    teams: list[TeamInfo] | None = None,
) -> UserForm:
    labels = role_labels(request)
    chosen = set(form_values.get("roles") or [])
    team_id = str(form_values.get("team_id") or "")
    locale = str(form_values.get("locale") or "")
    teams = teams if teams is not None else _teams(request).list()
    return UserForm(
        values=form_values,
        errors=errors or Errors(),
        roles=[
            Option(name, label, name in chosen)
            for name, label in sorted(labels.items(), key=lambda item: item[1])
        ],
        teams=[Option(str(t.id), t.name, str(t.id) == team_id) for t in teams],
        locales=[Option(c, LANGUAGE_NAMES.get(c, c), c == locale) for c in SUPPORTED_LOCALES],
    )


def _mismatch(password: Any, confirm: Any) -> list[FieldError]:
    """The error of a confirmation that differs from the password."""
    if password == confirm:
        return []
    return [FieldError("confirm", "mismatch", PASSWORDS_DIFFER)]


def _when(request: Request[Any, Any, Any]) -> Any:
    locale = _locale(request)
    return lambda value: format_date(value, "medium", locale=locale)


# -- the users list ---------------------------------------------------------------------------
def _filters(status: str, team: str) -> tuple[bool | None, int | None]:
    if status not in STATUS_FILTERS:
        raise QueryError(f"unknown status {status!r}")
    team_id: int | None = None
    if team:
        if not team.isdigit() or len(team) > 18:
            raise QueryError(f"invalid team {team!r}")
        team_id = int(team)
    return STATUS_FILTERS[status], team_id


@get("/admin/users", opt={"permission": USERS}, sync_to_thread=True)
def users_list(
    request: Request[Any, Any, Any],
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    role: Annotated[str, QueryParameter(max_length=80)] = "",
    status: Annotated[str, QueryParameter(max_length=20)] = "",
    team: Annotated[str, QueryParameter(max_length=20)] = "",
    cursor: Annotated[str | None, QueryParameter(max_length=2000)] = None,
) -> Response[str]:
    """Users by user name; search by name or e-mail, filter by role, status and team."""
    active, team_id = _filters(status, team)
    query = q.strip()
    page = _users(request).list(
        q=query,
        role=role or None,
        active=active,
        team_id=team_id,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    params = {"q": query, "role": role, "status": status, "team": team}
    kept = {k: v for k, v in params.items() if v}
    next_url = None
    if page.next_cursor:
        next_url = "/admin/users?" + urlencode({**kept, "cursor": page.next_cursor})
    return render(
        request,
        "web/admin/users.html",
        {
            "users": page.items,
            "next_url": next_url,
            "filters": params,
            "filtered": bool(kept),
            "role_labels": role_labels(request),
            "teams": _teams(request).list(),
            "when": _when(request),
        },
        block="results",
    )


# -- creating ---------------------------------------------------------------------------------
def _new_page(
    request: Request[Any, Any, Any], form: UserForm, status_code: int = 200
) -> Response[str]:
    return render(
        request,
        "web/admin/user_new.html",
        {"form": form},
        block=ADMIN_BLOCK,
        status_code=status_code,
    )


@get("/admin/users/new", opt={"permission": USERS}, sync_to_thread=True)
def new_user(request: Request[Any, Any, Any]) -> Response[str]:
    """The form of a new user (a sales rep, in the administrator's language, by default)."""
    return _new_page(request, _form(request, {"roles": ["rep"], "locale": _locale(request)}))


@post("/admin/users/create", opt={"permission": USERS}, sync_to_thread=True)
def create_user(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """Create a user; a refused form comes back with each message beside its field."""
    app, locale = _app(request), _locale(request)
    posted = {
        "username": text(data, "username"),
        "display_name": text(data, "display_name"),
        "email": text(data, "email"),
        "password": text(data, "password"),
        "locale": text(data, "locale"),
        "team_id": text(data, "team_id"),
        "roles": values(data, "roles"),
    }
    mismatch = _mismatch(posted["password"], text(data, "confirm"))
    try:
        user = _users(request).create(posted, also=mismatch)
    except ValidationError as exc:
        errors = errors_from(app, locale, exc, (*USER_FIELDS, "confirm"))
        shown = {k: v for k, v in posted.items() if k != "password"}  # never echo a password
        return _new_page(request, _form(request, shown, errors), status_code=400)
    return redirect(f"/admin/users/{user.id}?done=created")


# -- editing ----------------------------------------------------------------------------------
def _edit_values(user: UserInfo) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "email": user.email or "",
        "locale": user.locale,
        "team_id": str(user.team_id or ""),
        "roles": list(user.roles),
        "is_active": user.is_active,
    }


def _edit_page(
    request: Request[Any, Any, Any],
    user: UserInfo,
    form: UserForm,
    *,
    password_errors: Errors | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response[str]:
    notice = NOTICES.get(done)
    return render(
        request,
        "web/admin/user_edit.html",
        {
            "user": user,
            "form": form,
            "password_errors": password_errors or Errors(),
            "notice": notice,
            "is_self": user.id == actor_of(request).id,
            "role_labels": role_labels(request),
            "when": _when(request),
        },
        block=ADMIN_BLOCK,
        status_code=status_code,
    )


@get("/admin/users/{user_id:int}", opt={"permission": USERS}, sync_to_thread=True)
def edit_user(
    request: Request[Any, Any, Any],
    user_id: FromPath[int],
    done: Annotated[str, QueryParameter(max_length=20)] = "",
) -> Response[str]:
    """A user's settings, roles and status, and the password reset."""
    user = _users(request).get(check_id(user_id))
    return _edit_page(request, user, _form(request, _edit_values(user)), done=done)


@post("/admin/users/{user_id:int}/save", opt={"permission": USERS}, sync_to_thread=True)
def update_user(
    request: Request[Any, Any, Any], user_id: FromPath[int], data: Form
) -> Response[Any]:
    """Save a user's settings; deactivating signs the user out everywhere."""
    app, locale = _app(request), _locale(request)
    users = _users(request)
    user = users.get(check_id(user_id))
    # Fields missing from the form keep their values; an unticked box and no role are answers.
    posted: dict[str, Any] = {
        key: text(data, key)
        for key in ("display_name", "email", "locale", "team_id")
        if key in data
    }
    posted |= {"roles": values(data, "roles"), "is_active": checked(data, "is_active")}
    try:
        saved = users.update(user.id, posted)
    except ValidationError as exc:
        errors = errors_from(app, locale, exc, EDIT_FIELDS)
        shown = _edit_values(user) | posted
        return _edit_page(request, user, _form(request, shown, errors), status_code=400)
    if user.is_active and not saved.is_active:
        end_sessions(app, user.id)
        return redirect(f"/admin/users/{user.id}?done=deactivated")
    return redirect(f"/admin/users/{user.id}?done=saved")


@post("/admin/users/{user_id:int}/password", opt={"permission": USERS}, sync_to_thread=True)
def reset_password(
    request: Request[Any, Any, Any], user_id: FromPath[int], data: Form
) -> Response[Any]:
    """Give a user a new password and end the user's other sessions."""
    app, locale = _app(request), _locale(request)
    users = _users(request)
    user = users.get(check_id(user_id))
    password = text(data, "password")
    try:
        users.set_password(
            user.id,
            password if isinstance(password, str) else "",
            also=_mismatch(password, text(data, "confirm")),
        )
    except ValidationError as exc:
        errors = errors_from(app, locale, exc, ("password", "confirm"))
        form = _form(request, _edit_values(user))
        return _edit_page(request, user, form, password_errors=errors, status_code=400)
    session = request_state(request).session
    end_sessions(app, user.id, keep=session.id if session else None)
    return redirect(f"/admin/users/{user.id}?done=password")


# -- teams ------------------------------------------------------------------------------------
def _teams_page(
    request: Request[Any, Any, Any],
    *,
    new_name: str = "",
    new_errors: Errors | None = None,
    team_errors: dict[int, Errors] | None = None,
    names: dict[int, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response[str]:
    teams = _teams(request).list()
    return render(
        request,
        "web/admin/teams.html",
        {
            "teams": teams,
            "new_name": new_name,
            "new_errors": new_errors or Errors(),
            "team_errors": team_errors or {},
            "names": {t.id: t.name for t in teams} | (names or {}),
            "notice": TEAM_NOTICES.get(done),
        },
        block=ADMIN_BLOCK,
        status_code=status_code,
    )


@get("/admin/teams", opt={"permission": USERS}, sync_to_thread=True)
def teams_page(
    request: Request[Any, Any, Any], done: Annotated[str, QueryParameter(max_length=20)] = ""
) -> Response[str]:
    """Every team with its member count; create, rename and delete teams."""
    return _teams_page(request, done=done)


@post("/admin/teams/create", opt={"permission": USERS}, sync_to_thread=True)
def create_team(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """Create a team."""
    name = text(data, "name")
    try:
        _teams(request).create(name)
    except ValidationError as exc:
        errors = errors_from(_app(request), _locale(request), exc, ("name",))
        shown = name if isinstance(name, str) else ""
        return _teams_page(request, new_name=shown, new_errors=errors, status_code=400)
    return redirect("/admin/teams?done=created")


@post("/admin/teams/{team_id:int}/rename", opt={"permission": USERS}, sync_to_thread=True)
def rename_team(
    request: Request[Any, Any, Any], team_id: FromPath[int], data: Form
) -> Response[Any]:
    """Rename a team."""
    name = text(data, "name")
    try:
        _teams(request).rename(check_id(team_id), name)
    except ValidationError as exc:
        errors = errors_from(_app(request), _locale(request), exc, ("name",))
        shown = name if isinstance(name, str) else ""
        return _teams_page(
            request, team_errors={team_id: errors}, names={team_id: shown}, status_code=400
        )
    return redirect("/admin/teams?done=renamed")


@post("/admin/teams/{team_id:int}/delete", opt={"permission": USERS}, sync_to_thread=True)
def delete_team(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Response[Any]:
    """Delete a team that has neither members nor customers."""
    try:
        _teams(request).delete(check_id(team_id))
    except ValidationError as exc:
        errors = errors_from(_app(request), _locale(request), exc, ())
        return _teams_page(request, team_errors={team_id: errors}, status_code=400)
    return redirect("/admin/teams?done=deleted")


ROUTES = [
    users_list,
    new_user,
    create_user,
    edit_user,
    update_user,
    reset_password,
    teams_page,
    create_team,
    rename_team,
    delete_team,
]
