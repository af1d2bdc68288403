"""User administration: list, create, edit, deactivate and reset passwords.

Every call needs `core.user.manage` and every change is written to the audit log (passwords
never). Users are never deleted — customers, activities and the audit log keep pointing at
them — they are deactivated: a deactivated user cannot sign in and `App.actor` refuses them, so
their open sessions stop working at their next request.

Administrators are protected: only an administrator may grant or remove the `admin` role or
change an administrator's account, nobody can deactivate themselves or drop their own `admin`
role, and at least one active administrator always remains.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, or_, tuple_
from sqlalchemy.orm import Session
from sqlmodel import col, select

from guanxi_core import users as rules
from guanxi_core.access import ADMIN_ROLE
from guanxi_core.errors import FieldError, NotFoundError, QueryError, ValidationError
from guanxi_core.i18n import _
from guanxi_core.models import Team, User, UserRole
from guanxi_core.services._store import write_audit
from guanxi_core.services.records import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from guanxi_core.services.context import Context

MANAGE = "core.user.manage"
ENTITY = "user"
EDITABLE = ("display_name", "email", "locale", "team_id", "roles", "is_active")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class UserInfo:
    """A user as an administrator sees it (never the password hash).

    Attributes:
        id: the user's id.
        username: the login name.
        display_name: how the user is shown.
        email: the e-mail address, if any.
        locale: the user's language.
        team_id: the user's team, if any.
        team_name: that team's name.
        roles: the names of the roles the user holds, sorted.
        is_active: whether the user may sign in.
        created_at: when the account was created.
    """

    id: int
    username: str
    display_name: str
    email: str | None
    locale: str
    team_id: int | None
    team_name: str | None
    roles: tuple[str, ...]
    is_active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any, roles: tuple[str, ...]) -> UserInfo:
        """The user of a row with the user's columns and `team_name`, holding `roles`."""
        return cls(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            email=row.email,
            locale=row.locale,
            team_id=row.team_id,
            team_name=row.team_name,
            roles=roles,
            is_active=bool(row.is_active),
            created_at=row.created_at,
        )

    @property
    def is_admin(self) -> bool:
        """Whether the user holds the `admin` role."""
        return ADMIN_ROLE in self.roles


@dataclass
class UserPage:
    """One page of users, with the cursor of the next page (None on the last)."""

    items: list[UserInfo] = field(default_factory=list)
    next_cursor: str | None = None


def _columns() -> tuple[Any, ...]:
    return (
        col(User.id),
        col(User.username),
        col(User.display_name),
        col(User.email),
        col(User.locale),
        col(User.team_id),
        col(Team.name).label("team_name"),
        col(User.is_active),
        col(User.created_at),
    )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text(values: Mapping[str, Any], key: str, errors: list[FieldError]) -> str:
    value = values.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(key, "type", _("Enter text.")))
        return ""
    return value.strip()


def _roles(values: Mapping[str, Any], errors: list[FieldError]) -> list[str]:
    value = values.get("roles")
    if value is None or value == "":
        items: list[Any] = []
    elif isinstance(value, str):
        items = [value]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        items = [value]
    if any(not isinstance(item, str) for item in items):
        errors.append(FieldError("roles", "type", _("Enter text.")))
        return []
    roles = sorted(set(items))
    if not roles:
        errors.append(FieldError("roles", "required", _("Choose at least one role.")))
    return roles


def _team_id(session: Session, value: Any, errors: list[FieldError]) -> int | None:
    if value is None or value == "":
        return None
    team_id: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        team_id = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        team_id = int(value.strip())
    if team_id is None or session.get(Team, team_id) is None:
        errors.append(FieldError("team_id", "not_found", _("No such team.")))
        return None
    return team_id


def _flag(value: Any, errors: list[FieldError]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    errors.append(FieldError("is_active", "type", _("Enter yes or no.")))
    return True


class UserService:
    """User administration for one context (its actor needs `core.user.manage`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.app = ctx.app

    # -- reading ------------------------------------------------------------------------------
    def _infos(self, session: Session | Connection, rows: Iterable[Any]) -> list[UserInfo]:
        """Users from rows selected with `_columns()`; their roles in one query."""
        rows = list(rows)
        ids = [row.id for row in rows]
        roles: dict[int, list[str]] = {}
        if ids:
            for user_id, role in session.execute(
                select(col(UserRole.user_id), col(UserRole.role))
                .where(col(UserRole.user_id).in_(ids))
                .order_by(col(UserRole.role))
            ):
                roles.setdefault(user_id, []).append(role)
        return [UserInfo.from_row(row, tuple(roles.get(row.id, ()))) for row in rows]

    def _get(self, session: Session | Connection, user_id: int) -> UserInfo:
        rows = session.execute(
            select(*_columns())
            .outerjoin(Team, col(Team.id) == col(User.team_id))
            .where(col(User.id) == user_id)
        ).all()
        if not rows:
            raise NotFoundError(ENTITY, user_id)
        return self._infos(session, rows)[0]

    def get(self, user_id: int) -> UserInfo:
        """One user; `NotFoundError` if there is none."""
        self.ctx.require(MANAGE)
        with self.ctx.read() as session:
            return self._get(session, user_id)

    def list(
        self,
        *,
        q: str = "",
        role: str | None = None,
        active: bool | None = None,
        team_id: int | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> UserPage:
        """A page of users by user name.

        Args:
            q: a fragment of the user name, display name or e-mail (any case).
            role: only users holding this role; `QueryError` for a role nobody declares.
            active: only active (True) or deactivated (False) users.
            team_id: only members of this team.
            limit: the page size (1–500).
            cursor: `next_cursor` of the previous page.

        Returns:
            The page: two queries, however many users it holds.
        """
        self.ctx.require(MANAGE)
        if not 1 <= limit <= 500:
            raise QueryError("limit must be between 1 and 500")
        if role is not None and role not in self.app.roles:
            raise QueryError(f"unknown role {role!r}")
        stmt = select(*_columns()).outerjoin(Team, col(Team.id) == col(User.team_id))
        fragment = q.strip()
        if fragment:
            pattern = _like(fragment)
            stmt = stmt.where(
                or_(
                    func.lower(col(User.username)).like(pattern, escape="\\"),
                    func.lower(col(User.display_name)).like(pattern, escape="\\"),
                    func.lower(col(User.email)).like(pattern, escape="\\"),
                )
            )
        if role is not None:
            holders = select(col(UserRole.user_id)).where(col(UserRole.role) == role)
            stmt = stmt.where(col(User.id).in_(holders))
        if active is not None:
            stmt = stmt.where(col(User.is_active) == active)
        if team_id is not None:
            stmt = stmt.where(col(User.team_id) == team_id)
        if cursor:
            position = decode_cursor(cursor)
            after = position.get("u")
            if not isinstance(after, str):
                raise QueryError("invalid cursor")
            stmt = stmt.where(
                tuple_(col(User.username), col(User.id)) > tuple_(after, position["id"])
            )
        stmt = stmt.order_by(col(User.username), col(User.id)).limit(limit + 1)
        with self.ctx.read() as session:
            rows = session.execute(stmt).all()
            items = self._infos(session, rows[:limit])
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor({"u": last.username, "id": last.id})
        return UserPage(items, next_cursor)

    def role_holders(self) -> dict[str, builtins.list[UserInfo]]:
        """Role name → the users holding it, by user name (one query for all roles)."""
        self.ctx.require(MANAGE)
        columns = [*_columns(), col(UserRole.role)]
        stmt = (
            select(*columns)
            .join(UserRole, col(UserRole.user_id) == col(User.id))
            .outerjoin(Team, col(Team.id) == col(User.team_id))
            .order_by(col(User.username), col(User.id))
        )
        holders: dict[str, builtins.list[UserInfo]] = {}
        with self.ctx.read() as session:
            for row in session.execute(stmt):
                holders.setdefault(row.role, []).append(UserInfo.from_row(row, (row.role,)))
        return holders

    # -- writing ------------------------------------------------------------------------------
    def _check_admin_role(
        self, old: Iterable[str], new: Iterable[str]
    ) -> builtins.list[FieldError]:
        """Only administrators grant or remove the `admin` role."""
        if self.ctx.actor.is_admin or ((ADMIN_ROLE in old) == (ADMIN_ROLE in new)):
            return []
        return [
            FieldError(
                "roles",
                "permission",
                _("Only an administrator can grant or remove the administrator role."),
            )
        ]

    def _check_target(self, target: UserInfo) -> None:
        """Only administrators change an administrator's account."""
        if target.is_admin and not self.ctx.actor.is_admin:
            raise ValidationError(
                [
                    FieldError(
                        "",
                        "permission",
                        _("Only an administrator can change an administrator's account."),
                    )
                ]
            )

    def create(self, values: Mapping[str, Any], *, also: Iterable[FieldError] = ()) -> UserInfo:
        """Create an active user.

        Args:
            values: `username`, `password` (at least 8 characters), `roles` (at least one),
                and optionally `display_name` (the user name by default), `email`, `locale`
                (`en` by default) and `team_id`.
            also: problems the caller found (a mistyped password confirmation): reported
                with the service's own, and nothing is saved.

        Returns:
            The new user. Raises `ValidationError` with every field's problem; nothing is saved.
        """
        self.ctx.require(MANAGE)
        errors: list[FieldError] = list(also)
        unknown = set(values) - {"username", "password", *EDITABLE}
        errors += [FieldError(k, "unknown_field", _("Unknown field.")) for k in sorted(unknown)]
        username = _text(values, "username", errors)
        password = values.get("password")
        if not isinstance(password, str):
            password = ""
        given_name = _text(values, "display_name", errors)
        display_name = given_name or username
        email = _text(values, "email", errors) or None
        locale = _text(values, "locale", errors) or "en"
        roles = _roles(values, errors)
        errors += self._check_admin_role((), roles)
        with self.ctx.transaction() as session:
            team_id = _team_id(session, values.get("team_id"), errors)
            errors += rules.new_user_errors(
                session,
                self.app,
                username=username,
                password=password,
                roles=roles,
                locale=locale,
                display_name=given_name or None,
                email=email,
            )
            if errors:
                raise ValidationError(sorted(_unique(errors), key=rules.error_order))
            user = User(
                username=username,
                display_name=display_name,
                email=email,
                password_hash=rules.hash_password(password),
                locale=locale,
                team_id=team_id,
            )
            session.add(user)
            session.flush()
            assert user.id is not None
            for role in roles:
                session.add(UserRole(user_id=user.id, role=role))
            changes: dict[str, builtins.list[Any]] = {
                "username": [None, username],
                "display_name": [None, display_name],
                "email": [None, email],
                "locale": [None, locale],
                "team_id": [None, team_id],
                "roles": [None, roles],
                "is_active": [None, True],
            }
            write_audit(
                session,
                self.ctx.actor,
                ENTITY,
                user.id,
                "create",
                {k: v for k, v in changes.items() if v[1] is not None},
            )
            session.flush()
            return self._get(session, user.id)

    def _locked(self, session: Session, user_id: int) -> User:
        user = session.scalars(
            select(User).where(col(User.id) == user_id).with_for_update()
        ).first()
        if user is None:
            raise NotFoundError(ENTITY, user_id)
        return user

    def update(self, user_id: int, values: Mapping[str, Any]) -> UserInfo:
        """Change some of a user's settings; the user name never changes.

        Args:
            user_id: the user.
            values: any of `display_name`, `email`, `locale`, `team_id` (None for no team),
                `roles` (the full new set, at least one) and `is_active` (False deactivates).

        Returns:
            The user as stored. Raises `ValidationError` (nothing saved) or `NotFoundError`.
        """
        self.ctx.require(MANAGE)
        errors: list[FieldError] = []
        for key in sorted(set(values) - set(EDITABLE)):
            if key in {"username", "password"}:
                errors.append(FieldError(key, "read_only", _("This field cannot be changed.")))
            else:
                errors.append(FieldError(key, "unknown_field", _("Unknown field.")))
        with self.ctx.transaction() as session:
            user = self._locked(session, user_id)
            old = self._get(session, user_id)
            self._check_target(old)
            new: dict[str, Any] = {}
            if "display_name" in values:
                new["display_name"] = _text(values, "display_name", errors)
                errors += rules.display_name_errors(new["display_name"])
            if "email" in values:
                new["email"] = _text(values, "email", errors) or None
                errors += rules.email_errors(new["email"])
            if "locale" in values:
                new["locale"] = _text(values, "locale", errors)
                errors += rules.locale_errors(new["locale"])
            if "team_id" in values:
                new["team_id"] = _team_id(session, values["team_id"], errors)
            if "roles" in values:
                roles = _roles(values, errors)
                errors += rules.roles_errors(self.app, roles)
                errors += self._check_admin_role(old.roles, roles)
                new["roles"] = roles
            if "is_active" in values:
                new["is_active"] = _flag(values["is_active"], errors)
            errors += self._check_self_and_last_admin(session, old, new)
            if errors:
                raise ValidationError(sorted(_unique(errors), key=rules.error_order))
            before = {
                "display_name": old.display_name,
                "email": old.email,
                "locale": old.locale,
                "team_id": old.team_id,
                "roles": list(old.roles),
                "is_active": old.is_active,
            }
            changes = {k: [before[k], v] for k, v in new.items() if before[k] != v}
            if not changes:
                return old
            for key in ("display_name", "email", "locale", "team_id", "is_active"):
                if key in changes:
                    setattr(user, key, new[key])
            if "roles" in changes:
                gone = set(old.roles) - set(new["roles"])
                for role in sorted(gone):
                    link = session.get(UserRole, (user_id, role))
                    if link is not None:
                        session.delete(link)
                for role in sorted(set(new["roles"]) - set(old.roles)):
                    session.add(UserRole(user_id=user_id, role=role))
            action = "update"
            if changes.keys() == {"is_active"}:
                action = "activate" if new["is_active"] else "deactivate"
            write_audit(session, self.ctx.actor, ENTITY, user_id, action, changes)
            session.flush()
            return self._get(session, user_id)

    def _check_self_and_last_admin(
        self, session: Session, old: UserInfo, new: Mapping[str, Any]
    ) -> builtins.list[FieldError]:
        errors: builtins.list[FieldError] = []
        deactivating = new.get("is_active") is False and old.is_active
        losing_admin = old.is_admin and "roles" in new and ADMIN_ROLE not in new["roles"]
        if old.id == self.ctx.actor.id:
            if deactivating:
                errors.append(
                    FieldError("is_active", "self", _("You cannot deactivate your own account."))
                )
            if losing_admin:
                errors.append(
                    FieldError("roles", "self", _("You cannot remove your own administrator role."))
                )
            if errors:
                return errors
        if old.is_admin and old.is_active and (deactivating or losing_admin):
            others = session.scalar(
                select(func.count())
                .select_from(User)
                .join(UserRole, col(UserRole.user_id) == col(User.id))
                .where(
                    col(UserRole.role) == ADMIN_ROLE,
                    col(User.is_active),
                    col(User.id) != old.id,
                )
            )
            if not others:
                errors.append(
                    FieldError(
                        "roles" if losing_admin else "is_active",
                        "last_admin",
                        _("At least one active administrator must remain."),
                    )
                )
        return errors

    def set_active(self, user_id: int, active: bool) -> UserInfo:
        """Activate or deactivate a user (see `update`)."""
        return self.update(user_id, {"is_active": active})

    def set_password(self, user_id: int, password: str, *, also: Iterable[FieldError] = ()) -> None:
        """Give a user a new password (at least 8 characters); audited without the password.

        `also` are problems the caller found (a mistyped confirmation): nothing is saved.
        """
        self.ctx.require(MANAGE)
        errors = [*rules.password_errors(password if isinstance(password, str) else ""), *also]
        with self.ctx.transaction() as session:
            user = self._locked(session, user_id)
            self._check_target(self._get(session, user_id))
            if errors:
                raise ValidationError(errors)
            user.password_hash = rules.hash_password(password)
            write_audit(session, self.ctx.actor, ENTITY, user_id, "password", {})


def _unique(errors: Iterable[FieldError]) -> list[FieldError]:
    """One error per field and code (two checks may find the same problem)."""
    seen: set[tuple[str, str]] = set()
    out: list[FieldError] = []
    for error in errors:
        if (error.field, error.code) not in seen:
            seen.add((error.field, error.code))
            out.append(error)
    return out
