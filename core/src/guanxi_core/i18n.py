"""Translations: lazy texts declared in code, Babel catalogues shipped by the core and plugins.

Catalogues are read from `.po` files at start-up (no compile step): each package that ships
translations has `locale/<lang>/LC_MESSAGES/<domain>.po` beside its code.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

SUPPORTED_LOCALES = ("en", "zh_CN")


class LazyText:
    """A text marked for translation; translated when rendered for a user's locale.

    Args:
        msgid: the English source text; it may contain `{name}` placeholders.
    """

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return self.msgid

    def __repr__(self) -> str:
        return f"_({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return self.msgid == other.msgid
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)


def _(msgid: str) -> LazyText:
    """Mark `msgid` for translation; the catalogue lookup happens when it is rendered."""
    return LazyText(msgid)


def normalize_locale(value: str | None, default: str = "en") -> str:
    """Map a locale name or Accept-Language tag to one of the supported locales."""
    if not value:
        return default
    tag = value.replace("-", "_").strip()
    for supported in SUPPORTED_LOCALES:
        if tag.lower() == supported.lower():
            return supported
    try:
        language = Locale.parse(tag).language
    except (ValueError, UnknownLocaleError):
        return default
    return "zh_CN" if language == "zh" else "en" if language == "en" else default


def _read_catalogue(path: Traversable, locale: str) -> dict[str, str]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)
        and message.string
        and not message.fuzzy
    }


@lru_cache(maxsize=256)
def package_translations(package: str, domain: str, locale: str) -> dict[str, str] | None:
    """The catalogue `domain` of `locale` shipped inside `package`, or None if it ships none."""
    try:
        path = files(package) / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"
    except ModuleNotFoundError:
        return None
    if not path.is_file():
        return None
    return _read_catalogue(path, locale)


class Translator:
    """All catalogues of one application, merged per locale (core first, then plugins)."""

    def __init__(self, sources: Iterable[tuple[str, str]]) -> None:
        """Build a translator.

        Args:
            sources: `(package, domain)` pairs in priority order.
        """
        self._sources = list(sources)
        self._merged: dict[str, dict[str, str]] = {}

    def catalogue(self, locale: str) -> dict[str, str]:
        """The merged msgid → text mapping of `locale`."""
        merged = self._merged.get(locale)
        if merged is None:
            merged = {}
            for package, domain in reversed(self._sources):
                translations = package_translations(package, domain, locale)
                if translations is not None:
                    merged.update(translations)
            self._merged[locale] = merged
        return merged

    def gettext(self, text: str | LazyText, locale: str, **params: Any) -> str:
        """Translate `text` into `locale` and fill its `{name}` placeholders."""
        msgid = text.msgid if isinstance(text, LazyText) else text
        translated = self.catalogue(locale).get(msgid, msgid) if locale != "en" else msgid
        return translated.format(**params) if params else translated
