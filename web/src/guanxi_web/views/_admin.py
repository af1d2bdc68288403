"""What the administration screens share: permissions, form reading, errors, sessions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body
from litestar.response import Redirect

from guanxi_core import App, LazyText, ValidationError
from guanxi_core.access import Actor
from guanxi_web.state import request_state
from guanxi_web.tables import web_session

USERS = "core.user.manage"
"""The permission of the users, teams and roles screens."""
PLUGINS = "core.plugin.manage"
"""The permission of the plugins screen."""
ADMIN_PERMISSIONS = (USERS, PLUGINS)
"""Holding any of these opens `/admin` (and shows the navigation link)."""

ADMIN_BLOCK = "admin"
"""The block of every admin page that an htmx request gets (the page without the layout)."""

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def may_administer(actor: Actor | None) -> bool:
    """Whether `actor` may open the administration area at all."""
    return actor is not None and any(actor.can(p) for p in ADMIN_PERMISSIONS)


def any_admin_permission(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Route guard of `/admin`: any of `ADMIN_PERMISSIONS`."""
    actor = request_state(connection).actor
    if actor is None:
        raise NotAuthorizedException
    if not may_administer(actor):
        raise PermissionDeniedException


def redirect(path: str) -> Redirect:
    """A 303 redirect (after a form, the browser follows it with a GET)."""
    return Redirect(path, status_code=303)


def text(form: dict[str, Any], key: str) -> Any:
    """A form value as posted: a string, a list (a repeated key), or "" when absent."""
    value = form.get(key, "")
    return value if isinstance(value, str | list) else ""


def values(form: dict[str, Any], key: str) -> list[str]:
    """Every value of a repeated form key (checkboxes), strings only."""
    value = form.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and item]


def checked(form: dict[str, Any], key: str) -> bool:
    """Whether a checkbox was ticked."""
    return key in form and values(form, key) != []


@dataclass
class Errors:
    """Translated messages of a refused form: by field, and about the form as a whole."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    form: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.form)

    def add(self, key: str, message: str) -> None:
        """Add a message to field `key` (`""` for the form)."""
        if key:
            self.fields.setdefault(key, []).append(message)
        else:
            self.form.append(message)

    def of(self, key: str) -> list[str]:
        """The messages of field `key`."""
        return self.fields.get(key, [])


def errors_from(
    app: App,
    locale: str,
    exc: ValidationError,
    known: Iterable[str],
) -> Errors:
    """The messages of `exc` in `locale`; errors of fields not on the form go to its top."""
    shown = set(known)
    errors = Errors()
    for error in exc.errors:
        message = app.translator.gettext(error.message, locale, **error.params)
        errors.add(error.field if error.field in shown else "", message)
    return errors


def translated(app: App, locale: str, text_: LazyText | str, **params: Any) -> str:
    """`text_` in `locale`."""
    return app.translator.gettext(text_, locale, **params)


def end_sessions(app: App, user_id: int, *, keep: str | None = None) -> int:
    """End every web session of `user_id` (but `keep`); returns how many ended."""
    stmt = web_session.delete().where(web_session.c.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(web_session.c.id != keep)
    with app.engine.begin() as connection:
        return int(connection.execute(stmt).rowcount)
