"""Deterministic synthetic CRM data: name pools and row makers shared by the generator.

Everything is drawn from one seeded `random.Random`, so the same seed and sizes give the same
database. Rows are lines of COPY text (tab-separated, `NULL` marks SQL NULL): the PostgreSQL loader
sends them as they are, the SQLite loader splits them for `executemany`.
Nothing here may contain a tab, a newline or a backslash (COPY text format).
"""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import gcd

from guanxi_core.services.customers import search_text

NULL = "\\N"
"""SQL NULL in a row (COPY text format's marker; the SQLite loader maps it to None)."""

# (hanzi, pinyin): the most common Chinese surnames.
ZH_SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"),
    ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"),
    ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"), ("沈", "shen"),
    ("欧阳", "ouyang"), ("司马", "sima"), ("诸葛", "zhuge"),
)
ZH_GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("建", "jian"), ("国", "guo"), ("文", "wen"), ("辉", "hui"), ("鑫", "xin"),
    ("宇", "yu"), ("浩", "hao"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"),
    ("晨", "chen"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"), ("子", "zi"),
    ("梓", "zi"), ("涵", "han"), ("睿", "rui"), ("博", "bo"), ("思", "si"),
)
EN_GIVEN: tuple[str, ...] = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
    "William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
    "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa",
    "Anthony", "Margaret", "Mark", "Sandra", "Steven", "Ashley", "Paul", "Emily",
    "Andrew", "Donna", "Kevin", "Michelle", "Brian", "Carol", "George", "Amanda",
    "Edward", "Melissa", "Ronald", "Deborah", "Timothy", "Stephanie", "Jason", "Laura",
    "Olivia", "Noah", "Emma", "Liam", "Sophia", "Lucas", "Chloe", "Ethan", "Grace",
)
EN_SURNAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
    "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Tanaka", "Kim", "Park", "Singh", "Müller", "O'Brien",
)
# A few rare surnames, so that some name fragments match only a handful of customers.
RARE_SURNAMES: tuple[str, ...] = (
    "Featherstonehaugh", "Quartermaine", "Zabriskie", "Okonkwo", "Vasquez-Oyelaran",
)
CITIES: tuple[tuple[str, str], ...] = (
    ("北京", "Beijing"), ("上海", "Shanghai"), ("广州", "Guangzhou"), ("深圳", "Shenzhen"),
    ("杭州", "Hangzhou"), ("成都", "Chengdu"), ("南京", "Nanjing"), ("武汉", "Wuhan"),
    ("西安", "Xi'an"), ("苏州", "Suzhou"), ("天津", "Tianjin"), ("重庆", "Chongqing"),
)
ORG_WORDS: tuple[tuple[str, str], ...] = (
    ("华信", "Huaxin"), ("恒通", "Hengtong"), ("康达", "Kangda"), ("远景", "Vista"),
    ("瑞丰", "Ruifeng"), ("金桥", "Golden Bridge"), ("新航", "Newway"), ("同仁", "Tongren"),
    ("博雅", "Boya"), ("海川", "Haichuan"), ("明德", "Mingde"), ("天成", "Tiancheng"),
)
ORG_TRADES: tuple[tuple[str, str], ...] = (
    ("医药", "Pharma"), ("餐饮", "Catering"), ("电器", "Appliances"), ("科技", "Technology"),
    ("贸易", "Trading"), ("物流", "Logistics"), ("医院", "Hospital"), ("酒店", "Hotels"),
)
DISTRICTS: tuple[str, ...] = (
    "朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "西湖区", "武侯区", "鼓楼区",
)
STREETS: tuple[str, ...] = (
    "建国路", "中山路", "人民路", "解放路", "长江路", "和平街", "Nanjing Road", "Century Ave",
)
EMAIL_DOMAINS: tuple[str, ...] = (
    "qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "example.cn",
)
SOURCES: tuple[str, ...] = ("web", "referral", "event", "cold_call", "import", "wechat")
STAGES: tuple[str, ...] = ("lead", "prospect", "customer", "customer", "customer", "churned")
SUBJECTS: dict[str, tuple[str, ...]] = {
    "core.note": (
        "Prefers WeChat over phone", "备注：周末不方便联系", "Asked for a quote in English",
        "客户对价格敏感", "Birthday in spring", "偏好下午拜访", "Needs invoice per order",
    ),
    "core.call": (
        "Follow-up call", "回访电话", "Renewal call", "投诉处理回电", "Price inquiry",
        "预约确认电话", "Satisfaction survey",
    ),
    "core.visit": (
        "Site visit", "上门拜访", "Product demo", "季度业务回顾", "Training session",
        "新品介绍", "Contract signing",
    ),
    "core.purchase": (
        "Online order", "门店购买", "Repeat order", "批量采购", "Service contract",
        "配件购买", "Annual subscription",
    ),
}
BODIES: tuple[str, ...] = (
    "Discussed next quarter's needs; follow up in two weeks.",
    "客户反馈良好，计划下月增加订单。",
    "Sent brochure and price list by e-mail.",
    "需要技术支持上门安装。",
    "Left a voicemail; no answer.",
)
KINDS: tuple[str, ...] = ("core.note", "core.call", "core.visit", "core.purchase")
KIND_WEIGHTS: tuple[int, ...] = (30, 35, 15, 20)
TIERS: tuple[str, ...] = ("A", "B", "C")
TIER_WEIGHTS: tuple[int, ...] = (20, 30, 50)
SCORE_MAX = 100_000
TIME_END = datetime(2026, 11, 1, tzinfo=UTC)
TIME_SPAN = timedelta(days=3 * 365)

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "id", "kind", "name", "phones", "emails", "address", "owner_id", "team_id", "source",
    "lifecycle_stage", "created_at", "updated_at", "version", "search_text",
)
PROFILE_COLUMNS: tuple[str, ...] = ("customer_id", "tier", "score")
ACTIVITY_COLUMNS: tuple[str, ...] = (
    "id", "kind", "customer_id", "actor_id", "owner_id", "subject", "body", "occurred_at",
    "due_at", "amount", "currency", "state", "created_at", "updated_at", "version",
)

Row = str
"""One row as a line of COPY text: tab-separated values, `NULL` for NULL, no newline."""


def timestamp_pool(rng: random.Random, size: int, *, sqlite: bool) -> list[str]:
    """`size` random instants of the last three years, formatted for the database."""
    fmt = "%Y-%m-%d %H:%M:%S.000000" if sqlite else "%Y-%m-%d %H:%M:%S+00"
    start = TIME_END - TIME_SPAN
    seconds = int(TIME_SPAN.total_seconds())
    return [(start + timedelta(seconds=rng.randrange(seconds))).strftime(fmt) for _ in range(size)]


@dataclass(frozen=True)
class Staff:
    """The users the generated customers and activities belong to."""

    admin_id: int
    manager_ids: tuple[int, ...]
    rep_ids: tuple[int, ...]
    team_of: dict[int, int]


class CustomerMaker:
    """Makes customer lines (core + `bench_profile`) in id order, deterministically.

    Speed matters (the generator must load 50,000 customers/s), so names are drawn from
    precomputed pools of `(name, e-mail local part)`, random numbers come from
    `Random.random()` only and each row is formatted straight into a COPY text line.
    `search_text` is built inline exactly as the core's `search_text()` builds it;
    `check_search_text` compares the two.
    """

    def __init__(self, rng: random.Random, staff: Staff, *, sqlite: bool) -> None:
        self.rng = rng
        self.times = timestamp_pool(rng, 50_000, sqlite=sqlite)
        self.addresses = [
            f"{c}{d}{s}{rng.randrange(1, 999)}号"
            for c, _en in CITIES for d in DISTRICTS for s in STREETS
        ]
        self.addresses += [NULL] * len(self.addresses)  # half have no address
        # (name, e-mail local part) pools: Chinese in hanzi, Chinese in pinyin, English.
        self.zh_names = [
            (s + g1 + g2, f"{g1_py}{g2_py}.{s_py}")
            for s, s_py in ZH_SURNAMES for g1, g1_py in ZH_GIVEN
            for g2, g2_py in (*ZH_GIVEN, ("", ""))
        ]
        self.pinyin_names = [
            (f"{(g1_py + g2_py).capitalize()} {s_py.capitalize()}", f"{g1_py}{g2_py}.{s_py}")
            for _s, s_py in ZH_SURNAMES for _g1, g1_py in ZH_GIVEN for _g2, g2_py in ZH_GIVEN
        ]
        surnames = [*EN_SURNAMES * 40, *(py.capitalize() for _h, py in ZH_SURNAMES),
                    *RARE_SURNAMES]
        self.en_names = [
            (f"{given} {surname}",
             f"{given}.{surname}".lower().replace("'", "").replace("ü", "u"))
            for given in EN_GIVEN for surname in surnames
        ]
        self.org_names: list[tuple[str, str]] = []
        for city, city_en in CITIES:
            for word, word_en in ORG_WORDS:
                for trade, trade_en in ORG_TRADES:
                    slug = word_en.lower().replace(" ", "")
                    self.org_names.append((f"{city}{word}{trade}有限公司", slug))
                    self.org_names.append((f"{city_en} {word_en} {trade_en} Co., Ltd.", slug))
        self.phone_prefixes = [(f"+86 1{a}{b} ", f"+861{a}{b}") for a in range(3, 10)
                               for b in range(10)]
        # Owner, as text, with the text of its team: customers belong to their owner's team.
        self.staff = [(rep, f"{rep}\t{staff.team_of[rep]}") for rep in staff.rep_ids]
        self.tail = [f"{source}\t{stage}" for source in SOURCES for stage in STAGES]
        self.owners = array("i", [0])  # owner of customer id i at index i (index 0 unused)

    def chunk(self, first_id: int, count: int) -> tuple[list[Row], list[Row]]:
        """Customer lines and their `bench_profile` lines for ids `first_id ..`."""
        rand = self.rng.random
        times, n_times = self.times, len(self.times)
        staff, n_staff = self.staff, len(self.staff)
        zh, n_zh = self.zh_names, len(self.zh_names)
        pinyin, n_pinyin = self.pinyin_names, len(self.pinyin_names)
        en, n_en = self.en_names, len(self.en_names)
        orgs, n_orgs = self.org_names, len(self.org_names)
        prefixes, n_prefixes = self.phone_prefixes, len(self.phone_prefixes)
        addresses, n_addresses = self.addresses, len(self.addresses)
        tail, n_tail = self.tail, len(self.tail)
        domains, n_domains = EMAIL_DOMAINS, len(EMAIL_DOMAINS)
        owners = self.owners
        customers: list[Row] = []
        profiles: list[Row] = []
        tiers = self.rng.choices(TIERS, TIER_WEIGHTS, k=count)
        for offset in range(count):
            cid = first_id + offset
            r = rand()
            if r < 0.08:
                kind = "organization"
                name, slug = orgs[int(rand() * n_orgs)]
                emails = f"info@{slug}{int(rand() * 1000)}.com.cn"
            else:
                kind = "person"
                if r < 0.55:
                    name, local = zh[int(rand() * n_zh)]
                elif r < 0.73:
                    name, local = pinyin[int(rand() * n_pinyin)]
                else:
                    name, local = en[int(rand() * n_en)]
                emails = (
                    f"{local}{int(rand() * 100)}@{domains[int(rand() * n_domains)]}"
                    if rand() < 0.6 else ""
                )
            # phones: 5% none, 70% one, 25% two; shown with spaces, searched as digits.
            r = rand()
            if r < 0.05:
                phones = search = ""
            else:
                shown, plain = prefixes[int(rand() * n_prefixes)]
                number = f"{int(rand() * 100_000_000):08d}"
                phones = f"{shown}{number[:4]} {number[4:]}"
                search = f" | {plain}{number}"
                if r >= 0.75:
                    shown, plain = prefixes[int(rand() * n_prefixes)]
                    number = f"{int(rand() * 100_000_000):08d}"
                    phones = f'{phones}","{shown}{number[:4]} {number[4:]}'
                    search = f"{search} | {plain}{number}"
            owner, owner_team = staff[int(rand() * n_staff)]
            owners.append(owner)
            t1, t2 = times[int(rand() * n_times)], times[int(rand() * n_times)]
            if t1 > t2:
                t1, t2 = t2, t1
            text = (f"{name}{search} | {emails}" if emails else f"{name}{search}").lower()
            phones_json = f'["{phones}"]' if phones else "[]"
            emails_json = f'["{emails}"]' if emails else "[]"
            customers.append(
                f"{cid}\t{kind}\t{name}\t{phones_json}\t{emails_json}\t"
                f"{addresses[int(rand() * n_addresses)]}\t{owner_team}\t"
                f"{tail[int(rand() * n_tail)]}\t{t1}\t{t2}\t1\t{text[:2000]}"
            )
            score = NULL if rand() < 0.02 else int(rand() * SCORE_MAX)
            profiles.append(f"{cid}\t{tiers[offset]}\t{score}")
        return customers, profiles


def check_search_text(lines: Sequence[Row]) -> None:
    """Assert that the inline `search_text` of customer lines equals the core's `search_text()`."""
    for line in lines:
        row = line.split("\t")
        expected = search_text(row[2], json.loads(row[3]), json.loads(row[4]))
        if row[13] != expected:
            raise AssertionError(f"search_text differs for customer {row[0]}: {row[13]!r}")


class ActivityMaker:
    """Makes activity rows for customers `1..customers`, skewed: few busy, most quiet.

    A customer index `k = int(n * u**1.5)` (u uniform) is scrambled by a multiplicative
    permutation, so busy customers (hundreds of activities) are spread over the id range while
    a typical customer has 5 to 10.
    """

    def __init__(
        self, rng: random.Random, customers: int, owners: Sequence[int], *, sqlite: bool
    ) -> None:
        self.rng = rng
        self.customers = customers
        self.owners = owners
        self.times = timestamp_pool(rng, 200_000, sqlite=sqlite)
        multiplier = 1_000_003
        while gcd(multiplier, customers) != 1:
            multiplier += 2
        self.multiplier = multiplier

    def chunk(self, first_id: int, count: int) -> list[Row]:
        """Activity lines for ids `first_id .. first_id+count-1`."""
        rand = self.rng.random
        n = self.customers
        mult = self.multiplier
        owners = self.owners
        times, n_times = self.times, len(self.times)
        subjects = {k: (v, len(v)) for k, v in SUBJECTS.items()}
        bodies = [*BODIES, *[NULL] * (4 * len(BODIES))]  # 20% have a body
        n_bodies = len(bodies)
        no_amount = f"{NULL}\t{NULL}"
        kinds = self.rng.choices(KINDS, KIND_WEIGHTS, k=count)
        rows: list[Row] = []
        for offset in range(count):
            kind = kinds[offset]
            customer = (int(n * rand() ** 1.5) * mult) % n + 1
            owner = owners[customer]
            when = times[int(rand() * n_times)]
            if kind == "core.purchase":
                cents = 1_000 + int(rand() * 4_999_000)
                amount = f"{cents // 100}.{cents % 100:02d}\tCNY"
            else:
                amount = no_amount
            pool, n_pool = subjects[kind]
            rows.append(
                f"{first_id + offset}\t{kind}\t{customer}\t{owner}\t{owner}\t"
                f"{pool[int(rand() * n_pool)]}\t{bodies[int(rand() * n_bodies)]}\t{when}\t"
                f"{NULL}\t{amount}\t{NULL}\t{when}\t{when}\t1"
            )
        return rows


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """`(first_id, count)` pairs covering ids `1..total` in pieces of at most `size`."""
    first = 1
    while first <= total:
        count = min(size, total - first + 1)
        yield first, count
        first += count
