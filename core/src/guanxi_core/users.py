"""Creating users and teams, and checking passwords (argon2)."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from guanxi_core.app import App
from guanxi_core.errors import FieldError, ValidationError
from guanxi_core.i18n import SUPPORTED_LOCALES, _
from guanxi_core.models import Team, User, UserRole

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """An argon2 hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
    errors: list[FieldError] = []
    if not username.strip() or len(username) > 80:
        errors.append(
            FieldError("username", "invalid", _("Enter a user name of 1 to 80 characters."))
        )
    if len(password) < MIN_PASSWORD:
        errors.append(
            FieldError(
                "password", "too_short", _("Use at least {min} characters."), {"min": MIN_PASSWORD}
            )
        )
    unknown = [r for r in roles if r not in app.roles]
    if unknown:
        errors.append(
            FieldError(
                "roles",
                "choice",
                _("Choose one of: {choices}."),
                {"choices": ", ".join(sorted(app.roles))},
            )
        )
    if locale not in SUPPORTED_LOCALES:
        errors.append(
            FieldError(
                "locale",
                "choice",
                _("Choose one of: {choices}."),
                {"choices": ", ".join(SUPPORTED_LOCALES)},
            )
        )
    with Session(app.engine) as session:
        if (
            session.scalars(select(User.id).where(col(User.username) == username)).first()
            is not None
        ):
            errors.append(FieldError("username", "taken", _("This user name is taken.")))
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
