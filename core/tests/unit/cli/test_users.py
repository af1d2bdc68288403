"""`guanxi users create`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from guanxi_core import App
from guanxi_core.models import Team, User, UserRole
from guanxi_core.users import verify_password

Run = Callable[..., Any]


def user_named(app: App, username: str) -> tuple[User, set[str], str | None]:
    with Session(app.engine) as session:
        user = session.exec(select(User).where(col(User.username) == username)).one()
        roles = set(session.exec(select(UserRole.role).where(UserRole.user_id == user.id)))
        team = session.get(Team, user.team_id).name if user.team_id else None  # type: ignore[union-attr]
        return user, roles, team


def test_create_with_every_option(guanxi: Run, open_app: Callable[[], App]) -> None:
    result = guanxi(
        "users", "create", "wangfang", "--password", "correct horse", "--role", "rep",
        "--role", "manager", "--team", "North", "--locale", "zh_CN",
        "--display-name", "王芳", "--email", "wf@example.cn",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "created user wangfang (roles: rep, manager; team: North)\n"
    user, roles, team = user_named(open_app(), "wangfang")
    assert (user.display_name, user.locale, user.email) == ("王芳", "zh_CN", "wf@example.cn")
    assert roles == {"rep", "manager"}
    assert team == "North"
    assert verify_password(user.password_hash, "correct horse")


def test_password_is_asked_for_when_not_given(
    guanxi: Run, open_app: Callable[[], App]
) -> None:
    result = guanxi("users", "create", "li", input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output
    user, roles, team = user_named(open_app(), "li")
    assert verify_password(user.password_hash, "s3cret-pass")
    assert (roles, team, user.display_name) == ({"rep"}, None, "li")


def test_mistyped_password_confirmation_asks_again(
    guanxi: Run, open_app: Callable[[], App]
) -> None:
    result = guanxi("users", "create", "li", input="first-try\nsecond-try\nfinal-pass\nfinal-pass\n")
    assert result.exit_code == 0, result.output
    assert verify_password(user_named(open_app(), "li")[0].password_hash, "final-pass")


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (["   ", "--password", "long enough"],
         ["error: username: Enter a user name of 1 to 80 characters."]),
        (["x" * 81, "--password", "long enough"],
         ["error: username: Enter a user name of 1 to 80 characters."]),
        (["zhao", "--password", "short"], ["error: password: Use at least 8 characters."]),
        (["zhao", "--password", "long enough", "--role", "boss"],
         ["error: roles: Choose one of: admin, manager, rep."]),
        (["zhao", "--password", "long enough", "--locale", "fr"],
         ["error: locale: Choose one of: en, zh_CN."]),
        (["taken", "--password", "long enough"], ["error: username: This user name is taken."]),
        (["taken", "--password", "short", "--role", "boss"],
         ["error: password: Use at least 8 characters.",
          "error: roles: Choose one of: admin, manager, rep.",
          "error: username: This user name is taken."]),
    ],
)
def test_each_field_error_is_one_line_and_nothing_is_created(
    guanxi: Run, open_app: Callable[[], App], args: list[str], lines: list[str]
) -> None:
    assert guanxi("users", "create", "taken", "--password", "long enough").exit_code == 0
    result = guanxi("users", "create", *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == lines
    assert "Traceback" not in result.output
    with Session(open_app().engine) as session:
        assert list(session.exec(select(User.username))) == ["taken"]


def test_a_missing_username_is_a_usage_error(guanxi: Run) -> None:
    result = guanxi("users", "create", "--password", "long enough")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_errors_are_translated_into_the_chosen_locale(
    guanxi: Run,
    installed: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    open_app: Callable[[], App],
) -> None:
    installed("vip")  # its catalogue translates the message if the core's does not
    assert guanxi("plugins", "enable", "vip").exit_code == 0
    message = "Use at least {min} characters."
    chinese = open_app().translator.gettext(message, "zh_CN", min=8)
    assert "8" in chinese
    assert chinese != message.format(min=8)
    monkeypatch.setenv("GUANXI_LOCALE", "zh_CN")
    result = guanxi("users", "create", "zhao", "--password", "short")
    assert result.exit_code == 1
    assert result.stderr == f"error: password: {chinese}\n"


def test_users_create_refuses_a_database_that_is_behind(
    guanxi: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = guanxi("users", "create", "zhao", "--password", "long enough")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: database is behind: core at (none), head 0003_job_runs — run `guanxi db upgrade`\n"
    )
