"""The demo data: users, customers, affiliations, tags and a timeline of every core kind."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlmodel import Session, col

import guanxi_core.users
from guanxi_core import App, Settings, create_app
from guanxi_core import demo as demo_data
from guanxi_core.migrate import upgrade
from guanxi_core.models import (
    Activity,
    Affiliation,
    AuditEntry,
    Customer,
    CustomerTag,
    Team,
    User,
    UserRole,
)
from guanxi_core.testing import make_actor
from guanxi_core.users import verify_password

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CORE_KINDS = {"core.note", "core.call", "core.visit", "core.message", "core.email",
              "core.purchase", "core.task"}


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the default ones cost most of these tests' time."""
    monkeypatch.setattr(
        guanxi_core.users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def names(app: App) -> list[str]:
    with Session(app.engine) as session:
        return list(session.scalars(select(col(Customer.name)).order_by(col(Customer.id))))


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_seed_builds_users_customers_and_a_timeline_of_every_kind(app: App, locale: str) -> None:
    summary = demo_data.seed(app, locale=locale, customers=40, now=NOW)
    assert (summary.customers, summary.organizations) == (40, 6)
    with Session(app.engine) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        roles = Counter(session.scalars(select(col(UserRole.role))))
        teams = set(session.scalars(select(col(Team.name))))
        kinds = Counter(session.scalars(select(col(Customer.kind))))
        activities = list(session.scalars(select(Activity)))
        affiliations = list(session.scalars(select(Affiliation)))
        tagged = session.scalar(select(func.count()).select_from(CustomerTag))
        audited = Counter(
            (entity, action)
            for entity, action in session.execute(
                select(col(AuditEntry.entity), col(AuditEntry.action))
            )
        )
    assert set(users) == {"admin", "manager", "rep1", "rep2"}
    assert roles == {"admin": 1, "manager": 1, "rep": 2}
    assert all(u.locale == locale for u in users.values())
    assert teams == set(demo_data._WORDS[locale]["teams"])
    assert users["manager"].team_id == users["rep1"].team_id != users["rep2"].team_id
    for login in summary.logins:
        assert verify_password(users[login.username].password_hash, login.password)
    assert kinds == {"organization": 6, "person": 34}
    assert affiliations and all(a.title for a in affiliations)
    assert tagged
    assert len(activities) == summary.activities
    assert {a.kind for a in activities} == CORE_KINDS
    purchases = [a for a in activities if a.kind == "core.purchase"]
    assert all(a.currency == "CNY" and a.amount and a.amount > Decimal(0) for a in purchases)
    task_states = Counter(a.state for a in activities if a.kind == "core.task")
    assert task_states["done"] and task_states["open"]
    assert all(a.occurred_at <= NOW for a in activities)
    # Everything went through the services: one audit entry per created record, and more.
    assert audited[("customer", "create")] == 40
    assert audited[("activity", "create")] == summary.activities
    assert audited[("activity", "transition")] == task_states["done"] + task_states["cancelled"]
    assert audited[("customer", "affiliate")] == len(affiliations)


def test_chinese_demo_has_chinese_names_and_some_english_ones(app: App) -> None:
    demo_data.seed(app, locale="zh_CN", customers=60, now=NOW)
    people = names(app)
    chinese = [n for n in people if any("\u4e00" <= ch <= "\u9fff" for ch in n)]
    assert len(chinese) > len(people) // 2
    assert len(chinese) < len(people)


def test_same_seed_gives_the_same_data(app: App, tmp_path: Path) -> None:
    demo_data.seed(app, locale="zh_CN", customers=25, now=NOW)
    other = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'again.db'}"), plugins=[])
    try:
        upgrade(other)
        demo_data.seed(other, locale="zh_CN", customers=25, now=NOW)
        assert names(other) == names(app)
    finally:
        other.engine.dispose()


def test_existing_logins_are_those_still_having_the_demo_password(app: App) -> None:
    assert demo_data.existing_logins(app, "en") == []
    assert not demo_data.has_customers(app)
    summary = demo_data.seed(app, locale="en", customers=5, now=NOW)
    assert demo_data.has_customers(app)
    assert demo_data.existing_logins(app, "en") == summary.logins


def test_unknown_locale_is_refused(app: App) -> None:
    with pytest.raises(ValueError, match="demo locale"):
        demo_data.seed(app, locale="fr", customers=5)


def test_texts_exist_in_both_languages() -> None:
    for key in demo_data.TEXTS:
        assert demo_data.text("zh_CN", key) != demo_data.text("en", key), key
    assert demo_data.text("zh_CN", "admin") == "管理员"
    assert demo_data.text("fr", "admin") == "Administrator"


def test_a_taken_demo_login_is_refused_before_anything_is_written(app: App) -> None:
    make_actor(app, "manager", roles=["manager"])
    with pytest.raises(demo_data.DemoError, match="already has user"):
        demo_data.seed(app, locale="en", customers=5)
    assert not demo_data.has_customers(app)
    with Session(app.engine) as session:
        assert list(session.scalars(select(col(User.username)))) == ["manager"]
