"""What every view needs: the signed-in actor, id checks, translation and display of values."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

from guanxi_core import Actor, Record
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import LazyText
from guanxi_web.display import Display, make_display
from guanxi_web.state import request_state, web_context

MAX_ID = 2**63 - 1


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The signed-in user (the permission guard lets only signed-in users through)."""
    actor = request_state(request).actor
    assert actor is not None
    return actor


def check_id(value: int) -> int:
    """`value` if it can be a row id; a 404 otherwise (never a database error)."""
    if not 0 < value <= MAX_ID:
        raise NotFoundException
    return value


def translate_for(request: Request[Any, Any, Any], text: LazyText | str, **params: Any) -> str:
    """`text` in the language of this request."""
    app = web_context(request).app
    return app.translator.gettext(text, request_state(request).locale, **params)


def display_for(
    request: Request[Any, Any, Any], fields: list[FieldSpec], records: list[Record]
) -> Display:
    """How `records`' values of `fields` read in this request's language (one query per page)."""
    state = request_state(request)
    app = web_context(request).app

    def translate(text: LazyText | str) -> str:
        return app.translator.gettext(text, state.locale)

    records_values = (r.values for r in records)
    return make_display(app, state.locale, fields, records_values, translate, state.names)
