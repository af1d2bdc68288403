"""Creating users and teams, checking passwords (argon2), and the rules user input must meet.

`create_user` and `ensure_team` are for the command line, the demo and test fixtures (no actor,
no audit); administrators go through `guanxi_core.services.users`, which applies the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from guanxi_core.app import App
from guanxi_core.errors import FieldError, ValidationError
from guanxi_core.i18n import SUPPORTED_LOCALES, _
from guanxi_core.models import Team, User, UserRole

_hasher = PasswordHasher()
MIN_PASSWORD = 8
# argon2 hashes any length; a bound keeps a hostile form from costing seconds of hashing.
MAX_PASSWORD = 1000
MAX_USERNAME = 80
MAX_DISPLAY_NAME = 120
MAX_EMAIL = 254
MAX_TEAM_NAME = 120
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def hash_password(password: str) -> str:
    """An argon2 hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- the rules -------------------------------------------------------------------------------
def username_errors(username: str) -> list[FieldError]:
    """What is wrong with a user name (before checking that it is free)."""
    if not username.strip() or len(username) > MAX_USERNAME:
        return [FieldError("username", "invalid", _("Enter a user name of 1 to 80 characters."))]
    if any(ch.isspace() for ch in username) or _CONTROL.search(username):
        return [FieldError("username", "format", _("A user name cannot contain spaces."))]
    return []


def password_errors(password: str, field: str = "password") -> list[FieldError]:
    """What is wrong with a new password."""
    if len(password) < MIN_PASSWORD:
        return [
            FieldError(
                field, "too_short", _("Use at least {min} characters."), {"min": MIN_PASSWORD}
            )
        ]
    if len(password) > MAX_PASSWORD:
        return [
            FieldError(field, "max_length", _("At most {max} characters."), {"max": MAX_PASSWORD})
        ]
    return []


def roles_errors(app: App, roles: Iterable[str]) -> list[FieldError]:
    """An error when a role is not declared by any enabled plugin."""
    if any(r not in app.roles for r in roles):
        return [
            FieldError(
                "roles",
                "choice",
                _("Choose one of: {choices}."),
                {"choices": ", ".join(sorted(app.roles))},
            )
        ]
    return []


def locale_errors(locale: str) -> list[FieldError]:
    """An error when `locale` is not a supported language."""
    if locale not in SUPPORTED_LOCALES:
        return [
            FieldError(
                "locale",
                "choice",
                _("Choose one of: {choices}."),
                {"choices": ", ".join(SUPPORTED_LOCALES)},
            )
        ]
    return []


def display_name_errors(display_name: str) -> list[FieldError]:
    """What is wrong with a display name."""
    if not display_name.strip():
        return [FieldError("display_name", "required", _("This field is required."))]
    if len(display_name) > MAX_DISPLAY_NAME:
        return [
            FieldError(
                "display_name",
                "max_length",
                _("At most {max} characters."),
                {"max": MAX_DISPLAY_NAME},
            )
        ]
    if _CONTROL.search(display_name):
        return [FieldError("display_name", "format", _("Enter text."))]
    return []


def email_errors(email: str | None) -> list[FieldError]:
    """What is wrong with an e-mail address (none is fine)."""
    if email is None or email == "":
        return []
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        return [FieldError("email", "format", _("Enter a valid e-mail address."))]
    return []


def team_name_errors(name: str) -> list[FieldError]:
    """What is wrong with a team name (before checking that it is free)."""
    if not name.strip() or len(name) > MAX_TEAM_NAME:
        return [FieldError("name", "invalid", _("Enter a team name of 1 to 120 characters."))]
    if _CONTROL.search(name):
        return [FieldError("name", "format", _("Enter text."))]
    return []


def username_taken(session: OrmSession, username: str, *, except_id: int | None = None) -> bool:
    """Whether another user has `username`, in any case (`Wang` and `wang` are one name)."""
    stmt = select(User.id).where(func.lower(col(User.username)) == username.lower())
    if except_id is not None:
        stmt = stmt.where(col(User.id) != except_id)
    return session.scalars(stmt).first() is not None


def team_taken(session: OrmSession, name: str, *, except_id: int | None = None) -> bool:
    """Whether another team is called `name`, in any case."""
    stmt = select(Team.id).where(func.lower(col(Team.name)) == name.lower())
    if except_id is not None:
        stmt = stmt.where(col(Team.id) != except_id)
    return session.scalars(stmt).first() is not None


def new_user_errors(
    session: OrmSession,
    app: App,
    *,
    username: str,
    password: str,
    roles: Iterable[str],
    locale: str,
    display_name: str | None = None,
    email: str | None = None,
) -> list[FieldError]:
    """Every problem with a new user's values, the name's availability included."""
    errors = [
        *username_errors(username),
        *password_errors(password),
        *roles_errors(app, roles),
        *locale_errors(locale),
    ]
    if display_name is not None:
        errors += display_name_errors(display_name)
    errors += email_errors(email)
    if not any(e.field == "username" for e in errors) and username_taken(session, username):
        errors.append(FieldError("username", "taken", _("This user name is taken.")))
    return errors


_FORM_ORDER = ("username", "display_name", "email", "password", "roles", "locale", "team_id")


def error_order(error: FieldError) -> tuple[bool, int]:
    """A sort key putting errors in the fields' order on the forms, taken names last."""
    position = _FORM_ORDER.index(error.field) if error.field in _FORM_ORDER else len(_FORM_ORDER)
    return (error.code == "taken", position)


# -- without an actor: the command line, the demo, fixtures ----------------------------------
def ensure_team(app: App, name: str) -> int:
    """The id of team `name`, created if absent."""
    with Session(app.engine) as session:
        team = session.scalars(select(Team).where(col(Team.name) == name)).first()
        if team is None:
            team = Team(name=name)
            session.add(team)
            session.commit()
        assert team.id is not None
        return team.id


def create_user(
    app: App,
    username: str,
    *,
    password: str,
    password_hash: str | None = None,
    display_name: str | None = None,
    roles: Iterable[str] = ("rep",),
    team: str | None = None,
    locale: str = "en",
    email: str | None = None,
) -> User:
    """Create an active user with roles; `ValidationError` on a taken name or bad input.

    `password_hash`, when given, is stored instead of hashing `password` (for imports and
    test fixtures, where hashing each user would dominate the time).
    """
    roles = list(roles)
    with Session(app.engine) as session:
        errors = new_user_errors(
            session,
            app,
            username=username,
            password=password,
            roles=roles,
            locale=locale,
            display_name=display_name,
            email=email,
        )
        errors.sort(key=error_order)
        if errors:
            raise ValidationError(errors)
        team_id = ensure_team(app, team) if team else None
        user = User(
            username=username,
            display_name=display_name or username,
            email=email,
            password_hash=password_hash or hash_password(password),
            locale=locale,
            team_id=team_id,
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        for role in roles:
            session.add(UserRole(user_id=user.id, role=role))
        session.commit()
        session.refresh(user)
        return user
