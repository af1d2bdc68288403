"""A realistic, bilingual demo database, written through the services so the audit log is real.

`seed(app, locale="zh_CN")` creates two teams, an administrator, a manager and two reps,
hospitals and companies with their doctors and guests, tags, and a timeline of every core
activity kind (notes, calls, visits, messages, e-mails, purchases in CNY, tasks, some done).
The same seed gives the same names, numbers and texts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import func, select
from sqlmodel import Session, col

from guanxi_core.access import Actor
from guanxi_core.app import App
from guanxi_core.errors import GuanxiError
from guanxi_core.i18n import LazyText, Translator, _
from guanxi_core.models import Customer, User
from guanxi_core.services.context import Context
from guanxi_core.users import create_user, ensure_team, verify_password

DEMO_LOCALES = ("en", "zh_CN")
DEFAULT_SEED = 8
_BATCH = 50  # customers written per transaction: commits stay few, failures stay small

_FAKER_LOCALE = {"en": "en_US", "zh_CN": "zh_CN"}

# The demo's labels and messages, translated through the core's catalogue.
TEXTS: dict[str, LazyText] = {
    "admin": _("Administrator"),
    "manager": _("Manager"),
    "rep": _("Sales rep"),
    "role": _("Role"),
    "name": _("Full name"),
    "username": _("Login"),
    "password": _("Password"),
    "logins": _("Demo logins:"),
    "seeded": _(
        "Seeded {customers} customers ({organizations} organizations) and "
        "{activities} activities into {database}."
    ),
    "skipped": _("{database} already has customers; seeding skipped."),
    "serve": _("Starting the web UI (`guanxi serve`)…"),
    "serve_hint": _("Start the web UI with `{command}`."),
    "no_web": _("No `guanxi serve` command is installed yet, so the web UI cannot start."),
}

_WORDS: dict[str, dict[str, list[str]]] = {
    "en": {
        "teams": ["North", "South"],
        "staff": ["Grace Chen", "Daniel Brooks", "Olivia Wang", "Ethan Miller"],
        "hospital": [
            "General Hospital",
            "Medical Center",
            "Children's Hospital",
            "University Hospital",
            "People's Hospital",
        ],
        "department": [
            "Cardiology",
            "Oncology",
            "Paediatrics",
            "Neurology",
            "Orthopaedics",
            "Endocrinology",
        ],
        "doctor": [
            "chief physician",
            "associate chief physician",
            "attending physician",
            "resident",
        ],
        "tags": ["VIP", "Key account", "New", "Conference", "Returning", "Follow up"],
        "source": ["referral", "exhibition", "website", "WeChat", "cold call"],
        "note": [
            "Prefers WeChat to phone calls",
            "Price-sensitive; asked for volume discount",
            "Plans a purchase next quarter",
            "Met at the regional conference",
            "Decision maker is the department head",
        ],
        "call": [
            "Follow-up call",
            "Quarterly check-in",
            "Confirmed order details",
            "Call about the new product line",
            "Answered questions on the invoice",
        ],
        "visit": [
            "On-site visit",
            "Product demonstration",
            "Academic visit",
            "Lunch meeting",
            "Visit with the regional manager",
        ],
        "message": [
            "WeChat: event schedule",
            "Sent product brochure by WeChat",
            "Message about delivery date",
            "Holiday greetings",
        ],
        "email": [
            "Sent quotation",
            "Conference invitation",
            "Contract draft",
            "Thank-you note after the visit",
            "Newsletter follow-up",
        ],
        "purchase": ["Order #{number}", "Repeat order #{number}", "Trial order #{number}"],
        "task": [
            "Send samples",
            "Schedule the next visit",
            "Prepare the contract",
            "Call back about pricing",
            "Invite to the annual conference",
        ],
    },
    "zh_CN": {
        "teams": ["华北区", "华南区"],
        "staff": ["陈静", "张伟", "王芳", "李强"],
        "hospital": ["市第一人民医院", "中医院", "妇幼保健院", "中心医院", "人民医院"],
        "department": ["心内科", "肿瘤科", "儿科", "神经内科", "骨科", "内分泌科"],
        "doctor": ["主任医师", "副主任医师", "主治医师", "住院医师"],
        "tags": ["VIP", "重点客户", "新客户", "学术会议", "回头客", "需回访"],
        "source": ["转介绍", "展会", "官网", "微信", "电话开发"],
        "note": [
            "偏好微信沟通，不喜欢电话",
            "对价格敏感，询问批量折扣",
            "下季度有采购计划",
            "在区域学术会议上认识",
            "科室主任是关键决策人",
        ],
        "call": ["电话回访", "季度例行沟通", "确认订单细节", "介绍新产品线", "解答发票问题"],
        "visit": ["上门拜访", "产品演示", "学术拜访", "午餐会谈", "与区域经理共同拜访"],
        "message": ["微信沟通活动安排", "微信发送产品资料", "沟通到货时间", "节日问候"],
        "email": ["发送报价单", "会议邀请", "合同草稿", "拜访后致谢", "电子期刊跟进"],
        "purchase": ["订单 #{number}", "复购订单 #{number}", "试用订单 #{number}"],
        "task": ["寄送样品", "安排下次拜访", "准备合同", "回电沟通价格", "邀请参加年会"],
    },
}

_STAGES = ["lead", "prospect", "customer", "customer", "loyal"]
_KINDS = [
    "core.note",
    "core.call",
    "core.visit",
    "core.message",
    "core.email",
    "core.purchase",
    "core.task",
]
_KIND_WEIGHTS = [2, 3, 3, 3, 2, 2, 2]


_CATALOGUE = Translator([("guanxi_core", "guanxi_core")])


class DemoError(GuanxiError):
    """The demo cannot be built in this database."""


def text(locale: str, key: str, **params: Any) -> str:
    """A label or message of the demo in `locale` (English when the locale is unknown)."""
    return _CATALOGUE.gettext(TEXTS[key], locale, **params)


@dataclass(frozen=True)
class Login:
    """A demo user: role, login name, password and display name."""

    role: str
    username: str
    password: str
    display_name: str


@dataclass
class DemoSummary:
    """What `seed` created."""

    customers: int = 0
    organizations: int = 0
    activities: int = 0
    logins: list[Login] = field(default_factory=list)


def demo_logins(locale: str) -> list[Login]:
    """The demo users of `locale` (their names are the same in every language)."""
    staff = _WORDS.get(locale, _WORDS["en"])["staff"]
    roles = ["admin", "manager", "rep", "rep"]
    usernames = ["admin", "manager", "rep1", "rep2"]
    return [
        Login(role, username, f"{username}-demo", name)
        for role, username, name in zip(roles, usernames, staff, strict=True)
    ]


def has_customers(app: App) -> bool:
    """Whether the database holds any customer."""
    with Session(app.engine) as session:
        return session.scalar(select(func.count()).select_from(Customer)) != 0


def existing_logins(app: App, locale: str) -> list[Login]:
    """The demo logins that exist in the database and still have their demo password."""
    found: list[Login] = []
    with Session(app.engine) as session:
        for login in demo_logins(locale):
            user = session.scalars(select(User).where(col(User.username) == login.username)).first()
            if user is not None and verify_password(user.password_hash, login.password):
                found.append(Login(login.role, login.username, login.password, user.display_name))
    return found


@dataclass
class _Person:
    values: dict[str, Any]
    title: str | None = None
    organization: int | None = None  # index into the owner's organizations


@dataclass
class _Portfolio:
    actor: Actor
    organizations: list[dict[str, Any]] = field(default_factory=list)
    people: list[_Person] = field(default_factory=list)


class _Seeder:
    def __init__(self, app: App, locale: str, seed: int, now: datetime) -> None:
        self.app = app
        self.locale = locale
        self.words = _WORDS[locale]
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.fake = Faker(_FAKER_LOCALE[locale])
        self.fake.seed_instance(seed)
        other = "en" if locale == "zh_CN" else "zh_CN"
        self.other = Faker(_FAKER_LOCALE[other])  # a fifth of the people speak the other language
        self.other.seed_instance(seed + 1)
        self.now = now
        self.order_number = 10_000
        self.summary = DemoSummary()
        self.open_tasks: list[int] = []

    # -- generating values --------------------------------------------------------------------
    def _phone(self, fake: Faker) -> str:
        chinese = fake is (self.fake if self.locale == "zh_CN" else self.other)
        if chinese:
            return (
                f"+86 1{self.rng.choice('3589')}{self.rng.randrange(10)} "
                f"{self.rng.randrange(10000):04d} {self.rng.randrange(10000):04d}"
            )
        return f"+1 {self.rng.randrange(201, 990)} 555 {self.rng.randrange(10000):04d}"

    def _address(self, fake: Faker) -> str:
        return " ".join(str(fake.address()).split())[:500]

    def organization(self) -> dict[str, Any]:
        if self.rng.random() < 0.5:
            city = self.fake.city_name() if self.locale == "zh_CN" else self.fake.city()
            sep = "" if self.locale == "zh_CN" else " "
            name = f"{city}{sep}{self.rng.choice(self.words['hospital'])}"
            kind = "hospital"
        else:
            name, kind = str(self.fake.company()), "company"
        domain = f"{kind}{self.rng.randrange(100, 999)}.example.com"
        return {
            "kind": "organization",
            "name": name[:200],
            "phones": [self._phone(self.fake)],
            "emails": [f"info@{domain}"],
            "address": self._address(self.fake),
            "source": self.rng.choice(self.words["source"]),
            "lifecycle_stage": self.rng.choice(_STAGES),
            "_type": kind,
        }

    def person(self) -> dict[str, Any]:
        fake = self.other if self.rng.random() < 0.2 else self.fake
        user = f"{fake.user_name()}{self.rng.randrange(100)}"
        return {
            "kind": "person",
            "name": str(fake.name()),
            "phones": [self._phone(fake)],
            "emails": [f"{user}@example.com"] if self.rng.random() < 0.7 else [],
            "address": self._address(fake) if self.rng.random() < 0.5 else None,
            "source": self.rng.choice(self.words["source"]),
            "lifecycle_stage": self.rng.choice(_STAGES),
        }

    def title(self, organization: dict[str, Any]) -> str:
        if organization["_type"] == "hospital":
            department = self.rng.choice(self.words["department"])
            rank = self.rng.choice(self.words["doctor"])
            return f"{department}{rank}" if self.locale == "zh_CN" else f"{department}, {rank}"
        return str(self.fake.job())[:120]

    def activity(self, kind: str, customer_id: int) -> dict[str, Any]:
        name = kind.split(".", 1)[1]
        when = self.now - timedelta(days=self.rng.uniform(0, 365), hours=self.rng.uniform(0, 10))
        values: dict[str, Any] = {
            "kind": kind,
            "customer_id": customer_id,
            "occurred_at": when,
            "subject": self.rng.choice(self.words[name]),
        }
        if name == "purchase":
            self.order_number += self.rng.randrange(1, 40)
            values["subject"] = values["subject"].format(number=self.order_number)
            values["amount"] = Decimal(self.rng.randrange(20_000, 5_000_000)) / 100
            values["currency"] = "CNY"
        elif name == "task":
            values["due_at"] = when + timedelta(days=self.rng.randrange(1, 21))
        if name in {"note", "visit", "email"} or self.rng.random() < 0.3:
            values["body"] = str(self.fake.paragraph(nb_sentences=2))
        return values

    # -- planning -----------------------------------------------------------------------------
    def plan(self, actors: Sequence[Actor], customers: int) -> list[_Portfolio]:
        portfolios = [_Portfolio(a) for a in actors]
        weights = [1] + [3] * (len(actors) - 1)  # the manager (first) keeps a few accounts
        organizations = max(1, customers // 6)
        for _index in range(min(organizations, customers)):
            self.rng.choices(portfolios, weights)[0].organizations.append(self.organization())
        for _index in range(customers - organizations):
            owner = self.rng.choices(portfolios, weights)[0]
            person = _Person(self.person())
            if owner.organizations and self.rng.random() < 0.75:
                person.organization = self.rng.randrange(len(owner.organizations))
                person.title = self.title(owner.organizations[person.organization])
            owner.people.append(person)
        return portfolios

    # -- writing ------------------------------------------------------------------------------
    def _timeline(self, ctx: Context, customer_id: int, count: int) -> None:
        for kind in self.rng.choices(_KINDS, _KIND_WEIGHTS, k=count):
            record = ctx.activities.create(self.activity(kind, customer_id))
            self.summary.activities += 1
            if kind == "core.task":
                if self.rng.random() < 0.5:
                    ctx.activities.transition(record.id, "complete")
                else:
                    self.open_tasks.append(record.id)

    def _tags(self, ctx: Context, customer_id: int) -> None:
        if self.rng.random() < 0.45:
            names = self.rng.sample(self.words["tags"], self.rng.randint(1, 2))
            ctx.customers.tag(customer_id, names)

    def write(self, portfolio: _Portfolio) -> None:
        ctx = self.app.context(portfolio.actor)
        org_ids: list[int] = []
        for chunk in _chunks(portfolio.organizations, _BATCH):
            with ctx.transaction() as session:
                # Held, so the services' owner checks find the user in the session's identity
                # map instead of reading it again for every activity.
                _owner = session.get(User, portfolio.actor.id)
                for values in chunk:
                    record = ctx.customers.create({k: v for k, v in values.items() if k[0] != "_"})
                    org_ids.append(record.id)
                    self._tags(ctx, record.id)
                    self._timeline(ctx, record.id, self.rng.randint(1, 3))
        for chunk in _chunks(portfolio.people, _BATCH):
            with ctx.transaction() as session:
                _owner = session.get(User, portfolio.actor.id)  # see above
                for person in chunk:
                    record = ctx.customers.create(person.values)
                    if person.organization is not None:
                        ctx.customers.affiliate(
                            record.id, org_ids[person.organization], title=person.title
                        )
                    self._tags(ctx, record.id)
                    self._timeline(ctx, record.id, self.rng.randint(1, 5))
        self.summary.organizations += len(portfolio.organizations)
        self.summary.customers += len(portfolio.organizations) + len(portfolio.people)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed(
    app: App,
    *,
    locale: str = "en",
    customers: int = 300,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill a migrated database with demo users, customers and activities.

    Args:
        app: the application on the (migrated) database to fill.
        locale: the language of the data and of the demo users: `en` or `zh_CN`.
        customers: how many customers (people and organizations) to create.
        seed: the random seed; the same seed gives the same data.
        now: the moment activities are dated back from (default: the current time).

    Returns:
        What was created, with the demo logins.

    Raises:
        DemoError: a user with one of the demo logins' names exists already.
    """
    if locale not in DEMO_LOCALES:
        raise ValueError(f"demo locale must be one of {', '.join(DEMO_LOCALES)}")
    logins = demo_logins(locale)
    with Session(app.engine) as session:
        taken = sorted(
            session.scalars(
                select(col(User.username)).where(
                    col(User.username).in_([x.username for x in logins])
                )
            )
        )
    if taken:
        raise DemoError(
            f"the database already has user(s) {', '.join(taken)}; "
            "build the demo in an empty database (--database)"
        )
    seeder = _Seeder(app, locale, seed, now or datetime.now(UTC))
    north, south = seeder.words["teams"]
    for name in (north, south):
        ensure_team(app, name)
    actors: list[Actor] = []
    for login, team in zip(logins, [None, north, north, south], strict=True):
        user = create_user(
            app,
            login.username,
            password=login.password,
            display_name=login.display_name,
            roles=[login.role],
            locale=locale,
            email=f"{login.username}@demo.example.com",
            team=team,
        )
        assert user.id is not None
        actors.append(app.actor(user.id))
    for portfolio in seeder.plan(actors[1:], customers):
        seeder.write(portfolio)
    admin = app.context(actors[0])
    with admin.transaction():
        for activity_id in seeder.open_tasks[: len(seeder.open_tasks) // 5]:
            admin.activities.transition(activity_id, "cancel")
    seeder.summary.logins = logins
    return seeder.summary
