"""Properties every route of the web UI must have, checked over the routes the app really has.

New routes are covered as they are added: a route whose path parameter has no sample value
here fails `test_every_path_parameter_has_a_sample`, so it cannot slip past these checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

import guanxi_core
import guanxi_web
from guanxi_core import App

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
RECORD_PARAMETERS = {"customer_id", "activity_id"}
MALFORMED_IDS = ("0", "-1", "99999999999999999999999", "abc", "%00")
MALFORMED_QUERY = {
    "cursor": "not-a-cursor",
    "sort": "-no_such_field",
    "kind": "nope.nope",
    "q": "x" * 5000,
    "page": "-3",
    "version": "abc",
}
MALFORMED_FORM = {
    "version": "not-a-number",
    "name": "\x00",
    "kind": "no.such_kind",
    "owner_id": "-1",
    "occurred_at": "31/31/2031",
    "amount": "1e999",
    "ids": "x",
}
NOT_A_PAGE = re.compile(r"^/static/")
# What an attacker types into text fields: markup, and a way out of an attribute into htmx.
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" hx-get="/evil'
PAYLOAD = SCRIPT + ATTRIBUTE


@dataclass
class World:
    """Rep 1's customer and open task, rep 2 (who may see neither) and an admin."""

    customer_id: int
    activity_id: int
    organization_id: int
    user_id: int
    team_id: int


# Sample values of path parameters, by name: the ids name rep 1's records.
SAMPLES: dict[str, Callable[[World], str]] = {
    "customer_id": lambda w: str(w.customer_id),
    "activity_id": lambda w: str(w.activity_id),
    "other_id": lambda w: str(w.organization_id),
    "panel": lambda _w: "core",
    "name": lambda _w: "complete",
    "user_id": lambda w: str(w.user_id),
    "team_id": lambda w: str(w.team_id),
    "slug": lambda _w: "core",
}


@dataclass
class Endpoint:
    path: str  # Litestar's path format: /customers/{customer_id}
    method: str
    handler: HTTPRouteHandler

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def url(self, world: World, **overrides: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            return overrides.get(name) or SAMPLES[name](world)

        return re.sub(r"{(\w+)}", value, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(web: Litestar) -> Iterator[Endpoint]:
    for route in web.routes:
        if not isinstance(route, HTTPRoute) or NOT_A_PAGE.match(route.path):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                yield Endpoint(route.path_format, method, handler)


@pytest.fixture
def world(app: App, user: Callable[..., Any]) -> World:
    user("admin", roles=("admin",))
    rep1 = user("rep1", team="north")
    rep2 = user("rep2")
    ctx = app.context(rep1)
    customer = ctx.customers.create(
        {
            "kind": "person",
            "name": "Ada " + PAYLOAD,
            "address": PAYLOAD,
            "source": PAYLOAD,
        }
    )
    org = ctx.customers.create({"kind": "organization", "name": "Org " + PAYLOAD})
    ctx.customers.affiliate(customer.id, org.id, title=PAYLOAD)
    ctx.customers.tag(customer.id, ["tag " + PAYLOAD])
    ctx.activities.create(
        {"kind": "core.note", "customer_id": customer.id, "subject": PAYLOAD, "body": PAYLOAD}
    )
    task = ctx.activities.create(
        {"kind": "core.task", "customer_id": customer.id, "subject": "Call back " + PAYLOAD}
    )
    assert rep1.team_id is not None
    assert rep2.id is not None
    return World(customer.id, task.id, org.id, rep2.id, rep1.team_id)


def send(client: Any, endpoint: Endpoint, url: str, **kw: Any) -> Any:
    return client.request(endpoint.method, url, follow_redirects=False, **kw)


def token_of(client: Any) -> str:
    html = client.get("/customers").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the customers page embeds the CSRF token"
    return found.group(1)


def test_every_path_parameter_has_a_sample(web: Litestar) -> None:
    missing = {p for e in endpoints(web) for p in e.parameters if p not in SAMPLES}
    assert not missing, f"add sample values for path parameters {sorted(missing)}"


def test_every_route_declares_a_permission(web: Litestar) -> None:
    undeclared = [
        str(e)
        for e in endpoints(web)
        if not e.handler.opt.get("public") and not e.handler.opt.get("permission")
    ]
    assert not undeclared


def test_every_unsafe_route_refuses_a_missing_or_forged_csrf_token(
    web: Litestar, world: World, signed_in: Callable[..., Any]
) -> None:
    admin = signed_in("boss", roles=("admin",))
    checked = 0
    for endpoint in endpoints(web):
        if endpoint.method not in UNSAFE:
            continue
        url = endpoint.url(world)
        for data in ({}, {"csrf_token": "forged"}):
            response = send(admin, endpoint, url, data=data)
            assert response.status_code == 403, f"{endpoint} without a valid token"
        forged = send(admin, endpoint, url, headers={"X-CSRF-Token": "forged"})
        assert forged.status_code == 403, f"{endpoint} with a forged header"
        checked += 1
    assert checked >= 3  # login, logout, locale at least


def test_a_rep_gets_404_for_another_reps_records_on_every_route(
    web: Litestar, app: App, world: World, signed_in: Callable[..., Any]
) -> None:
    rep2 = signed_in("rep2b")
    actor = app.actor_by_username("rep2b")
    token = token_of(rep2)
    checked = 0
    for endpoint in endpoints(web):
        if not RECORD_PARAMETERS & set(endpoint.parameters):
            continue
        permission = endpoint.handler.opt.get("permission")
        if permission not in (None, "authenticated") and not actor.can(permission):
            continue  # refused with 403 before any record is read: nothing is revealed
        headers = {"X-CSRF-Token": token} if endpoint.method in UNSAFE else {}
        response = send(rep2, endpoint, endpoint.url(world), headers=headers)
        assert response.status_code == 404, f"{endpoint}: {response.status_code}"
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("as_htmx", [False, True])
def test_no_route_answers_malformed_input_with_a_server_error(
    web: Litestar, world: World, signed_in: Callable[..., Any], as_htmx: bool
) -> None:
    admin = signed_in("boss", roles=("admin",))
    headers = {"X-CSRF-Token": token_of(admin)}
    if as_htmx:
        headers["HX-Request"] = "true"
    for endpoint in endpoints(web):
        urls = [endpoint.url(world)]
        for name in endpoint.parameters:
            urls += [endpoint.url(world, **{name: bad}) for bad in MALFORMED_IDS]
        for url in urls:
            if endpoint.method in UNSAFE:
                response = send(admin, endpoint, url, headers=headers, data=MALFORMED_FORM)
            else:
                response = send(admin, endpoint, url, headers=headers, params=MALFORMED_QUERY)
            assert response.status_code < 500, f"{endpoint.method} {url}: {response.text[:300]}"


def test_htmx_gets_a_fragment_and_a_plain_request_a_full_page(
    web: Litestar, world: World, signed_in: Callable[..., Any]
) -> None:
    admin = signed_in("boss", roles=("admin",))
    for endpoint in endpoints(web):
        if endpoint.method != "GET":
            continue
        url = endpoint.url(world)
        plain = send(admin, endpoint, url)
        if plain.is_redirect:
            continue
        assert plain.status_code == 200, f"{endpoint}: {plain.status_code}"
        assert "<html" in plain.text, f"{endpoint}: a plain request gets a whole page"
        fragment = send(admin, endpoint, url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, f"{endpoint}: {fragment.status_code}"
        assert "<html" not in fragment.text, f"{endpoint}: htmx gets a fragment"


def test_user_input_is_escaped_on_every_page(
    web: Litestar, world: World, signed_in: Callable[..., Any]
) -> None:
    admin = signed_in("boss", roles=("admin",))
    shown = 0
    for endpoint in endpoints(web):
        if endpoint.method != "GET":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = send(admin, endpoint, endpoint.url(world), headers=headers)
            assert SCRIPT not in response.text, f"{endpoint} {headers}"
            assert ATTRIBUTE not in response.text, f"{endpoint} {headers}"
            shown += "alert(1)" in response.text
    assert shown, "the payloads were shown somewhere, escaped"


def _catalogue(package: Any) -> Any:
    folder = Path(package.__file__).parent / "locale/zh_CN/LC_MESSAGES"
    with (folder / f"{package.__name__}.po").open("rb") as handle:
        return read_po(handle)


class _Texts(HTMLParser):
    """The text a user reads: text nodes and the attributes read aloud or shown."""

    SHOWN = ("placeholder", "title", "aria-label", "alt", "value")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            if value and name in self.SHOWN and not (name == "value" and kind != "submit"):
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def test_a_chinese_users_pages_show_no_english_message(
    web: Litestar, world: World, signed_in: Callable[..., Any]
) -> None:
    english = {
        str(m.id)
        for package in (guanxi_core, guanxi_web)
        for m in _catalogue(package)
        if m.id and m.string != m.id and re.search(r"[A-Za-z]{3}", m.id) and "{" not in m.id
    }
    admin = signed_in("boss", roles=("admin",), locale="zh_CN")
    pages = 0
    for endpoint in endpoints(web):
        if endpoint.method != "GET":
            continue
        response = send(admin, endpoint, endpoint.url(world))
        if response.status_code != 200:
            continue
        parser = _Texts()
        parser.feed(response.text)
        untranslated = sorted({t for t in parser.texts if t in english})
        assert not untranslated, f"{endpoint}: {untranslated}"
        pages += 1
    assert pages >= 10
