"""Generated forms: controls from field metadata, posted data back to values, errors in place."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import jinja2
import pytest
from litestar import Litestar, Request

from guanxi_core import App, ValidationError
from guanxi_core.errors import FieldError
from guanxi_core.fields import FieldSpec
from guanxi_core.i18n import _
from guanxi_web.forms import FormField, control_text, form_fields, non_field_errors, read_form
from guanxi_web.rendering import ENVIRONMENT
from guanxi_web.state import STATE_KEY, RequestState


def request_in(web: Litestar, locale: str) -> Request[Any, Any, Any]:
    """A request of `web` in `locale` (what the middleware would attach)."""
    scope: Any = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "litestar_app": web,
        "app": web,
        "state": {STATE_KEY: RequestState(None, None, locale, "token")},
    }
    return Request(scope)


def spec(app: App, key: str) -> FieldSpec:
    found = app.fields.get("customer", key) or app.fields.get("activity", key)
    assert found is not None
    return found


def extra(key: str, type_: Any, **options: Any) -> FieldSpec:
    """A field spec not in the registry (the column is irrelevant to forms)."""
    from sqlalchemy import Column, String

    return FieldSpec(
        key=key, entity="customer", type=type_, label=key, column=Column(key, String), **options
    )


def render(web: Litestar, fields: list[FormField]) -> str:
    env: jinja2.Environment = web.state[ENVIRONMENT]
    template = env.from_string(
        '{% from "web/forms/_fields.html" import render_fields %}{{ render_fields(fields) }}'
    )
    return template.render(fields=fields)


def test_read_form_turns_posted_strings_into_service_input(app: App) -> None:
    flag = extra("vip.flag", "bool")
    other_flag = extra("vip.other", "bool")
    specs = [spec(app, "name"), spec(app, "address"), spec(app, "phones"), flag, other_flag]
    form = {
        "name": "  Wang  ",
        "address": "   ",
        "phones": "138 0000 0001\r\n\r\n +86 10 1234 5678 ",
        "vip.flag": ["0", "1"],
        "vip.other": "0",
        "unrelated": "x",
    }
    assert read_form(specs, form) == {
        "name": "  Wang  ",  # the service strips and validates
        "address": None,
        "phones": ["138 0000 0001", "+86 10 1234 5678"],
        "vip.flag": True,
        "vip.other": False,
    }


def test_read_form_leaves_out_fields_not_posted_and_reads_several_values(app: App) -> None:
    specs = [spec(app, "name"), spec(app, "emails"), extra("vip.flag", "bool")]
    assert read_form(specs, {"emails": ["a@example.com", "", "b@example.com"]}) == {
        "emails": ["a@example.com", "b@example.com"]
    }
    assert read_form(specs, {"emails": ""}) == {"emails": None}


def test_control_text_writes_values_as_inputs_expect_them(app: App) -> None:
    when = spec(app, "occurred_at")
    assert control_text(when, datetime(2026, 3, 4, 9, 30, tzinfo=UTC)) == "2026-03-04T09:30"
    assert control_text(extra("x.d", "date"), date(2026, 1, 2)) == "2026-01-02"
    assert control_text(spec(app, "phones"), ["1", "2"]) == "1\n2"
    assert control_text(spec(app, "amount"), Decimal("12.50")) == "12.50"
    assert control_text(spec(app, "name"), None) == ""


def test_each_type_gets_its_control_with_label_help_and_required_marker(
    app: App, web: Litestar
) -> None:
    specs = [
        spec(app, "kind"),
        spec(app, "name"),
        spec(app, "phones"),
        spec(app, "owner_id"),
        spec(app, "amount"),
        spec(app, "occurred_at"),
        spec(app, "body"),
        extra("vip.birthday", "date", help=_("Day of birth.")),
        extra("vip.smoker", "bool"),
    ]
    html = render(web, form_fields(request_in(web, "en"), specs, {"kind": "organization"}))
    assert '<label for="f-name">Name <abbr class="required" title="required">*</abbr>' in html
    assert 'id="f-name" name="name" aria-required="true"' in html
    assert '<select id="f-kind" name="kind"' in html
    assert '<option value="organization" selected>Organization</option>' in html
    assert '<textarea id="f-phones" name="phones"' in html and "One per line." in html
    assert '<select id="f-owner_id" name="owner_id"' in html  # users to choose from
    assert 'type="number" id="f-amount" name="amount" value="" step="0.01"' in html
    assert 'type="datetime-local" id="f-occurred_at"' in html
    assert '<textarea id="f-body" name="body"' in html
    assert 'type="date" id="f-vip-birthday" name="vip.birthday"' in html
    assert 'aria-describedby="f-vip-birthday-help"' in html
    assert '<p class="field-help" id="f-vip-birthday-help">Day of birth.</p>' in html
    assert '<input type="hidden" name="vip.smoker" value="0">' in html
    assert '<input type="checkbox" id="f-vip-smoker" name="vip.smoker" value="1">' in html


@pytest.mark.parametrize(
    ("locale", "required", "length"),
    [
        ("en", "This field is required.", "At most 200 characters."),
        ("zh_CN", "此字段为必填项。", "最多 200 个字符。"),
    ],
)
def test_errors_sit_next_to_their_field_in_the_users_language_with_input_kept(
    app: App, web: Litestar, locale: str, required: str, length: str
) -> None:
    specs = [spec(app, "name"), spec(app, "address"), spec(app, "emails")]
    error = ValidationError(
        [
            FieldError("name", "required", _("This field is required.")),
            FieldError("emails", "max_length", _("At most {max} characters."), {"max": 200}),
            FieldError("", "invalid", _("This field is required.")),
        ]
    )
    raw = {"name": None, "emails": ['"><script>alert(1)</script>'], "address": "kept"}
    fields = form_fields(request_in(web, locale), specs, {"address": "old"}, error, raw)
    html = render(web, fields)
    assert f'<p class="field-error" id="f-name-error">{required}</p>' in html
    assert 'aria-invalid="true" aria-describedby="f-name-error"' in html
    assert f'<p class="field-error" id="f-emails-error">{length}</p>' in html
    assert 'value="kept"' in html and "old" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert 'id="f-address-error"' not in html
    assert non_field_errors(request_in(web, locale), error, specs) == [required]


def test_unknown_choice_value_is_kept_visible_and_fields_of_other_forms_get_a_prefix(
    app: App, web: Litestar
) -> None:
    fields = form_fields(
        request_in(web, "zh_CN"), [spec(app, "kind")], {}, raw={"kind": "robot"}, prefix="new"
    )
    html = render(web, fields)
    assert '<option value="robot" selected>robot</option>' in html
    assert '<option value="person">个人</option>' in html
    assert 'id="new-kind"' in html
