"""User and team administration services: rules, permissions, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event
from sqlmodel import Session, col, select

import guanxi_core.users
from guanxi_core import (
    App,
    NotFoundError,
    PermissionDenied,
    Plugin,
    QueryError,
    ValidationError,
    system_actor,
)
from guanxi_core.access import Actor
from guanxi_core.models import AuditEntry, User
from guanxi_core.services.teams import TeamService
from guanxi_core.services.users import UserService
from guanxi_core.testing import make_actor
from guanxi_core.users import verify_password


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        guanxi_core.users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def users_of(app: App, actor: Actor) -> UserService:
    return UserService(app.context(actor))


def teams_of(app: App, actor: Actor) -> TeamService:
    return TeamService(app.context(actor))


def audit(app: App, entity: str, entity_id: int | None = None) -> list[AuditEntry]:
    with Session(app.engine) as session:
        stmt = select(AuditEntry).where(col(AuditEntry.entity) == entity)
        if entity_id is not None:
            stmt = stmt.where(col(AuditEntry.entity_id) == entity_id)
        return list(session.exec(stmt.order_by(col(AuditEntry.id))))


def errors_of(caught: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in caught.value.errors]


def messages(app: App, caught: pytest.ExceptionInfo[ValidationError], locale: str) -> list[str]:
    return [app.translator.gettext(e.message, locale, **e.params) for e in caught.value.errors]


NEW = {"username": "wangfang", "password": "long enough", "roles": ["rep"]}


# -- creating -------------------------------------------------------------------------------
def test_create_stores_the_user_hashes_the_password_and_audits_without_it(
    app: App, admin: Actor
) -> None:
    team = teams_of(app, admin).create("North")
    created = users_of(app, admin).create(
        {
            **NEW,
            "display_name": " 王芳 ",
            "email": "wf@example.cn",
            "locale": "zh_CN",
            "team_id": str(team.id),
            "roles": ["rep", "manager"],
        }
    )
    assert (created.username, created.display_name, created.email) == (
        "wangfang",
        "王芳",
        "wf@example.cn",
    )
    assert (created.locale, created.team_name, created.roles, created.is_active) == (
        "zh_CN",
        "North",
        ("manager", "rep"),
        True,
    )
    with Session(app.engine) as session:
        user = session.get(User, created.id)
        assert user is not None
        assert verify_password(user.password_hash, "long enough")
        assert "long enough" not in user.password_hash
    (entry,) = audit(app, "user", created.id)
    assert (entry.action, entry.actor_id) == ("create", admin.id)
    assert entry.changes["roles"] == [None, ["manager", "rep"]]
    assert entry.changes["team_id"] == [None, team.id]
    assert "password" not in entry.changes and "password_hash" not in entry.changes
    actor = app.actor(created.id)
    assert actor.can("core.customer.view_team")


def test_display_name_defaults_to_the_user_name(app: App, admin: Actor) -> None:
    assert users_of(app, admin).create(NEW).display_name == "wangfang"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"username": "Admin"}, [("username", "taken")]),
        ({"password": "short"}, [("password", "too_short")]),
        ({"password": "x" * 1001}, [("password", "max_length")]),
        ({"roles": []}, [("roles", "required")]),
        ({"roles": ["boss"]}, [("roles", "choice")]),
        ({"username": "wang fang"}, [("username", "format")]),
        ({"username": "  "}, [("username", "invalid")]),
        ({"email": "not-an-address"}, [("email", "format")]),
        ({"locale": "fr"}, [("locale", "choice")]),
        ({"team_id": "999"}, [("team_id", "not_found")]),
        ({"team_id": "abc"}, [("team_id", "not_found")]),
        ({"display_name": "x" * 121}, [("display_name", "max_length")]),
        ({"is_admin": True}, [("is_admin", "unknown_field")]),
        (
            {"username": "admin", "password": "short", "roles": []},
            [("password", "too_short"), ("roles", "required"), ("username", "taken")],
        ),
    ],
)
def test_create_refuses_bad_input_field_by_field_and_saves_nothing(
    app: App, admin: Actor, values: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        users_of(app, admin).create({**NEW, **values})
    assert errors_of(caught) == expected
    with Session(app.engine) as session:
        assert list(session.exec(select(User.username))) == ["admin"]
    assert audit(app, "user") == []


def test_errors_read_in_english_and_chinese(app: App, admin: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        users_of(app, admin).create({**NEW, "username": "admin", "password": "short"})
    assert messages(app, caught, "en") == [
        "Use at least 8 characters.",
        "This user name is taken.",
    ]
    chinese = messages(app, caught, "zh_CN")
    assert chinese[0] != "Use at least 8 characters." and "8" in chinese[0]
    assert chinese[1] != "This user name is taken."


# -- permissions ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_managers_may_do_nothing_here(app: App, admin: Actor, role: str) -> None:
    actor = make_actor(app, "someone", roles=[role])
    target = users_of(app, admin).create(NEW)
    team = teams_of(app, admin).create("North")
    users, teams = users_of(app, actor), teams_of(app, actor)
    calls: list[Callable[[], object]] = [
        users.list,
        lambda: users.get(target.id),
        lambda: users.create({**NEW, "username": "other"}),
        lambda: users.update(target.id, {"display_name": "X"}),
        lambda: users.set_active(target.id, False),
        lambda: users.set_password(target.id, "new password"),
        users.role_holders,
        teams.list,
        lambda: teams.get(team.id),
        lambda: teams.create("South"),
        lambda: teams.rename(team.id, "East"),
        lambda: teams.delete(team.id),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert users_of(app, admin).get(target.id).display_name == "wangfang"
    assert [t.name for t in teams_of(app, admin).list()] == ["North"]


@pytest.fixture
def user_manager(make_app: Callable[..., App]) -> tuple[App, Actor, Actor]:
    """An app with a `helpdesk` role that may manage users but is not an administrator."""
    desk = Plugin("desk", "Desk")
    desk.role("helpdesk", "Help desk", ["core.user.manage"])
    app = make_app(desk)
    return app, make_actor(app, "admin", roles=["admin"]), make_actor(app, "hd", roles=["helpdesk"])


def test_a_non_administrator_user_manager_cannot_touch_administrators(
    user_manager: tuple[App, Actor, Actor],
) -> None:
    app, admin, desk = user_manager
    users = users_of(app, desk)
    rep = users.create(NEW)
    with pytest.raises(ValidationError) as caught:
        users.create({**NEW, "username": "boss", "roles": ["admin"]})
    assert errors_of(caught) == [("roles", "permission")]
    with pytest.raises(ValidationError) as caught:
        users.update(rep.id, {"roles": ["rep", "admin"]})
    assert errors_of(caught) == [("roles", "permission")]
    assert admin.id is not None
    for call in (
        lambda: users.update(admin.id, {"display_name": "Mallory"}),  # type: ignore[arg-type]
        lambda: users.set_active(admin.id, False),  # type: ignore[arg-type]
        lambda: users.set_password(admin.id, "taken over"),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert errors_of(caught) == [("", "permission")]
    assert users.update(rep.id, {"display_name": "Fang"}).display_name == "Fang"
    assert app.actor(admin.id).is_admin


# -- listing ----------------------------------------------------------------------------------
@pytest.fixture
def staff(app: App, admin: Actor) -> UserService:
    users = users_of(app, admin)
    north = teams_of(app, admin).create("North")
    users.create({**NEW, "username": "li", "display_name": "Li Lei", "team_id": north.id})
    users.create({**NEW, "username": "wang", "email": "wang@example.cn", "roles": ["manager"]})
    zhao = users.create({**NEW, "username": "zhao", "display_name": "赵敏"})
    users.set_active(zhao.id, False)
    return users


def usernames(page: Any) -> list[str]:
    return [u.username for u in page.items]


def test_list_searches_and_filters(staff: UserService) -> None:
    assert usernames(staff.list()) == ["admin", "li", "wang", "zhao"]
    assert usernames(staff.list(q="LEI")) == ["li"]
    assert usernames(staff.list(q="example.CN")) == ["wang"]
    assert usernames(staff.list(q="赵")) == ["zhao"]
    assert usernames(staff.list(q="%")) == []
    assert usernames(staff.list(role="manager")) == ["wang"]
    assert usernames(staff.list(active=False)) == ["zhao"]
    assert usernames(staff.list(active=True, role="rep")) == ["li"]
    li = staff.list(q="li").items[0]
    assert li.team_name == "North"
    assert usernames(staff.list(team_id=li.team_id)) == ["li"]
    assert staff.list(q="zhao").items[0].is_active is False


def test_list_pages_by_cursor(staff: UserService) -> None:
    first = staff.list(limit=3)
    assert usernames(first) == ["admin", "li", "wang"]
    assert first.next_cursor is not None
    second = staff.list(limit=3, cursor=first.next_cursor)
    assert (usernames(second), second.next_cursor) == (["zhao"], None)


@pytest.mark.parametrize(
    "params", [{"role": "boss"}, {"cursor": "nonsense"}, {"cursor": "eyJpZCI6MX0"}, {"limit": 0}]
)
def test_list_refuses_bad_parameters(staff: UserService, params: dict[str, Any]) -> None:
    with pytest.raises(QueryError):
        staff.list(**params)


def test_a_page_of_users_costs_two_queries_however_long(app: App, admin: Actor) -> None:
    users = users_of(app, admin)
    for n in range(30):
        users.create({**NEW, "username": f"rep{n:02}"})
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        page = users.list(limit=25)
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
    assert len(page.items) == 25
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_role_holders(staff: UserService) -> None:
    holders = staff.role_holders()
    assert [u.username for u in holders["rep"]] == ["li", "zhao"]
    assert [u.username for u in holders["admin"]] == ["admin"]


# -- editing ----------------------------------------------------------------------------------
def test_update_changes_only_what_is_given_and_audits_the_diff(app: App, admin: Actor) -> None:
    users = users_of(app, admin)
    team = teams_of(app, admin).create("South")
    user = users.create(NEW)
    updated = users.update(
        user.id,
        {"display_name": "Wang Fang", "team_id": team.id, "roles": ["manager"], "locale": "zh_CN"},
    )
    assert (updated.display_name, updated.team_name, updated.roles, updated.locale) == (
        "Wang Fang",
        "South",
        ("manager",),
        "zh_CN",
    )
    assert updated.email is None
    entry = audit(app, "user", user.id)[-1]
    assert entry.action == "update"
    assert entry.changes == {
        "display_name": ["wangfang", "Wang Fang"],
        "team_id": [None, team.id],
        "roles": [["rep"], ["manager"]],
        "locale": ["en", "zh_CN"],
    }
    assert app.actor(user.id).roles == frozenset({"manager"})
    # Saving the same values changes nothing and writes no entry.
    users.update(user.id, {"display_name": "Wang Fang", "team_id": str(team.id)})
    assert len(audit(app, "user", user.id)) == 2
    assert users.update(user.id, {"team_id": ""}).team_id is None


def test_update_refuses_bad_values_and_keeps_the_user(app: App, admin: Actor) -> None:
    users = users_of(app, admin)
    user = users.create(NEW)
    with pytest.raises(ValidationError) as caught:
        users.update(
            user.id,
            {
                "username": "renamed",
                "display_name": "",
                "email": "nope",
                "roles": ["boss"],
                "is_active": "maybe",
            },
        )
    assert sorted(errors_of(caught)) == [
        ("display_name", "required"),
        ("email", "format"),
        ("is_active", "type"),
        ("roles", "choice"),
        ("username", "read_only"),
    ]
    assert users.get(user.id) == user


def test_unknown_ids_are_not_found(app: App, admin: Actor) -> None:
    users, teams = users_of(app, admin), teams_of(app, admin)
    for call in (
        lambda: users.get(999),
        lambda: users.update(999, {"display_name": "x"}),
        lambda: users.set_password(999, "long enough"),
        lambda: teams.get(999),
        lambda: teams.rename(999, "x"),
        lambda: teams.delete(999),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_deactivated_user_has_no_actor_until_reactivated(app: App, admin: Actor) -> None:
    users = users_of(app, admin)
    user = users.create(NEW)
    assert users.set_active(user.id, False).is_active is False
    with pytest.raises(NotFoundError):
        app.actor(user.id)
    with pytest.raises(NotFoundError):
        app.actor_by_username("wangfang")
    assert [e.action for e in audit(app, "user", user.id)] == ["create", "deactivate"]
    users.update(user.id, {"is_active": "on"})
    assert app.actor(user.id).username == "wangfang"
    assert audit(app, "user", user.id)[-1].action == "activate"


def test_an_administrator_cannot_deactivate_or_demote_themselves(app: App, admin: Actor) -> None:
    users = users_of(app, admin)
    assert admin.id is not None
    make_actor(app, "second", roles=["admin"])  # not the last administrator either way
    with pytest.raises(ValidationError) as caught:
        users.set_active(admin.id, False)
    assert errors_of(caught) == [("is_active", "self")]
    assert messages(app, caught, "en") == ["You cannot deactivate your own account."]
    with pytest.raises(ValidationError) as caught:
        users.update(admin.id, {"roles": ["manager"]})
    assert errors_of(caught) == [("roles", "self")]
    assert messages(app, caught, "en") == ["You cannot remove your own administrator role."]
    assert app.actor(admin.id).is_admin
    # Other changes to one's own account are fine.
    assert users.update(admin.id, {"roles": ["admin", "manager"]}).roles == ("admin", "manager")


def test_the_last_active_administrator_stays(app: App, admin: Actor) -> None:
    users = users_of(app, system_actor())
    assert admin.id is not None
    with pytest.raises(ValidationError) as caught:
        users.set_active(admin.id, False)
    assert errors_of(caught) == [("is_active", "last_admin")]
    with pytest.raises(ValidationError) as caught:
        users.update(admin.id, {"roles": ["rep"]})
    assert errors_of(caught) == [("roles", "last_admin")]
    second = make_actor(app, "second", roles=["admin"])
    assert users.set_active(admin.id, False).is_active is False
    assert second.id is not None
    with pytest.raises(ValidationError):
        users.set_active(second.id, False)


def test_reset_password(app: App, admin: Actor) -> None:
    users = users_of(app, admin)
    user = users.create(NEW)
    with pytest.raises(ValidationError) as caught:
        users.set_password(user.id, "short")
    assert errors_of(caught) == [("password", "too_short")]
    users.set_password(user.id, "a new secret")
    with Session(app.engine) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        assert verify_password(stored.password_hash, "a new secret")
        assert not verify_password(stored.password_hash, "long enough")
    entry = audit(app, "user", user.id)[-1]
    assert (entry.action, entry.changes) == ("password", {})


# -- teams ------------------------------------------------------------------------------------
def test_teams_create_rename_delete_with_audit(app: App, admin: Actor) -> None:
    teams = teams_of(app, admin)
    north = teams.create("  North ")
    assert north.name == "North"
    assert teams.rename(north.id, "North-East").name == "North-East"
    teams.create("South")
    assert [(t.name, t.members) for t in teams.list()] == [("North-East", 0), ("South", 0)]
    teams.delete(north.id)
    assert [t.name for t in teams.list()] == ["South"]
    assert [(e.action, e.changes) for e in audit(app, "team", north.id)] == [
        ("create", {"name": [None, "North"]}),
        ("update", {"name": ["North", "North-East"]}),
        ("delete", {"name": ["North-East", None]}),
    ]


@pytest.mark.parametrize(
    ("name", "code"), [("north", "taken"), ("", "invalid"), ("x" * 121, "invalid")]
)
def test_team_names_are_unique_and_sized(app: App, admin: Actor, name: str, code: str) -> None:
    teams = teams_of(app, admin)
    north = teams.create("North")
    south = teams.create("South")
    for call in (lambda: teams.create(name), lambda: teams.rename(south.id, name)):
        with pytest.raises(ValidationError) as caught:
            call()
        assert errors_of(caught) == [("name", code)]
    assert [t.name for t in teams.list()] == ["North", "South"]
    assert teams.rename(north.id, "NORTH").name == "NORTH"  # its own name in another case


def test_a_team_with_members_or_customers_cannot_be_deleted(app: App, admin: Actor) -> None:
    teams = teams_of(app, admin)
    north = teams.create("North")
    rep = make_actor(app, "li", team="North")
    assert [t.members for t in teams.list()] == [1]
    with pytest.raises(ValidationError) as caught:
        teams.delete(north.id)
    assert errors_of(caught) == [("", "has_members")]
    assert messages(app, caught, "en") == [
        "This team still has 1 member(s); move them to another team first."
    ]
    assert "1" in messages(app, caught, "zh_CN")[0]
    app.context(rep).customers.create({"name": "Client"})  # the rep's team is the customer's
    assert rep.id is not None
    users_of(app, admin).update(rep.id, {"team_id": None})
    with pytest.raises(ValidationError) as caught:
        teams.delete(north.id)
    assert errors_of(caught) == [("", "has_customers")]
    assert [t.name for t in teams.list()] == ["North"]
