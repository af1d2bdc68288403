"""Translations: every core message has a Chinese translation; errors render per locale."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import guanxi_core
from guanxi_core import App, ValidationError
from guanxi_core.i18n import normalize_locale
from guanxi_core.testing import make_actor

PACKAGE = Path(guanxi_core.__file__).parent


def test_every_core_message_has_a_zh_cn_translation() -> None:
    extracted = {
        message[2]
        for message in extract_from_dir(str(PACKAGE), keywords={"_": None})
        if isinstance(message[2], str)
    }
    with (PACKAGE / "locale/zh_CN/LC_MESSAGES/guanxi_core.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    assert sorted(extracted - translated) == []


def test_validation_errors_render_in_the_users_language(app: App) -> None:
    rep = make_actor(app, "li", locale="zh_CN")
    with pytest.raises(ValidationError) as caught:
        app.context(rep).customers.create({"name": "x" * 201})
    error = caught.value.errors[0]
    assert app.translator.gettext(error.message, rep.locale, **error.params) == "最多 200 个字符。"
    assert app.translator.gettext(error.message, "en", **error.params) == "At most 200 characters."


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("en-GB", "en"), ("fr", "en"), (None, "en"), ("zh_TW", "zh_CN")],
)
def test_locale_names_map_to_supported_locales(header: str | None, expected: str) -> None:
    assert normalize_locale(header) == expected
