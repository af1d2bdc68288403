"""Translating at run time: plural texts (`ngettext`) and `translate(ctx, ...)` outside screens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guanxi_core import App, Plugin, _, ngettext, translate
from guanxi_core.i18n import LazyPlural, Translator
from guanxi_core.testing import make_actor

CATALOGUE = r"""
msgid ""
msgstr ""
"Language: {locale}\n"
"Content-Type: text/plain; charset=utf-8\n"
"Plural-Forms: {forms}\n"

msgid "{{n}} guest"
msgid_plural "{{n}} guests"
{strings}

msgid "Tonight"
msgstr "{tonight}"
"""


def ship_catalogue(
    root: Path, package: str, locale: str, *, forms: str, strings: str, tonight: str
) -> None:
    folder = root / package / "locale" / locale / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (root / package / "__init__.py").touch()
    (folder / "vipdemo.po").write_text(
        CATALOGUE.format(locale=locale, forms=forms, strings=strings, tonight=tonight),
        encoding="utf-8",
    )


@pytest.fixture
def vip_catalogues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A plugin package shipping a zh_CN catalogue with a plural entry."""
    package = f"vipdemo_{tmp_path.name.replace('-', '_')}"
    ship_catalogue(
        tmp_path,
        package,
        "zh_CN",
        forms="nplurals=1; plural=0;",
        strings='msgstr[0] "{n} 位客人"',
        tonight="今晚",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return package, "vipdemo"


def test_english_takes_the_form_the_count_calls_for() -> None:
    translator = Translator([("guanxi_core", "guanxi_core")])
    assert translator.gettext(ngettext("{n} guest", "{n} guests", 1), "en") == "1 guest"
    assert translator.gettext(ngettext("{n} guest", "{n} guests", 0), "en") == "0 guests"
    assert translator.gettext(ngettext("{n} guest", "{n} guests", 12), "en") == "12 guests"


def test_a_catalogue_gives_each_language_its_plural_forms(vip_catalogues: tuple[str, str]) -> None:
    translator = Translator([("guanxi_core", "guanxi_core"), vip_catalogues])
    assert translator.gettext(ngettext("{n} guest", "{n} guests", 1), "zh_CN") == "1 位客人"
    assert translator.gettext(ngettext("{n} guest", "{n} guests", 7), "zh_CN") == "7 位客人"
    assert translator.gettext(_("Tonight"), "zh_CN") == "今晚"


def test_an_untranslated_plural_falls_back_to_english(vip_catalogues: tuple[str, str]) -> None:
    translator = Translator([vip_catalogues])
    assert translator.gettext(ngettext("{n} table", "{n} tables", 3), "zh_CN") == "3 tables"


def test_params_fill_placeholders_and_may_override_n() -> None:
    translator = Translator([])
    text = ngettext("{n} guest at {table}", "{n} guests at {table}", 2)
    assert translator.gettext(text, "en", table="T4") == "2 guests at T4"
    assert translator.gettext(text, "en", table="T4", n="two") == "two guests at T4"


def test_plural_texts_compare_by_forms_and_count() -> None:
    text = ngettext("{n} guest", "{n} guests", 2)
    assert isinstance(text, LazyPlural)
    assert text == ngettext("{n} guest", "{n} guests", 2)
    assert text != ngettext("{n} guest", "{n} guests", 3)
    assert len({text, ngettext("{n} guest", "{n} guests", 2)}) == 1
    assert str(text) == "{n} guests"
    assert repr(text) == "ngettext('{n} guest', '{n} guests', 2)"


def test_translate_uses_the_apps_catalogues_and_the_actors_language(
    make_app: Callable[..., App], vip_catalogues: tuple[str, str]
) -> None:
    plugin = Plugin("vip", _("VIP"), translations=vip_catalogues)
    app = make_app(plugin)
    li = make_actor(app, "li", locale="zh_CN")
    ctx = app.context(li)
    assert translate(ctx, ngettext("{n} guest", "{n} guests", 3)) == "3 位客人"
    assert translate(ctx, _("Tonight")) == "今晚"
    assert translate(ctx, _("Tonight"), "en") == "Tonight"
    assert translate(ctx, _("Tonight"), "zh-CN") == "今晚"  # a browser's tag works too
    assert translate(ctx, _("At most {max} characters."), max=5) == "最多 5 个字符。"
    assert translate(ctx, "plain {x}", x=1) == "plain 1"
