"""Translations: lazy texts declared in code, Babel catalogues shipped by the core and plugins.

Catalogues are read from `.po` files at start-up (no compile step): each package that ships
translations has `locale/<lang>/LC_MESSAGES/<domain>.po` beside its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from gettext import c2py
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from babel.core import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

if TYPE_CHECKING:
    from guanxi_core.services.context import Context

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


class LazyPlural(LazyText):
    """A text with a singular and a plural form, chosen by a count when it is rendered.

    Made with `ngettext`. Its msgid is the singular; catalogues give each language its own
    forms (one in Chinese, two in English).

    Args:
        singular: the English text for a count of one.
        plural: the English text for any other count.
        n: the count; it fills the `{n}` placeholder.
    """

    __slots__ = ("n", "plural")

    def __init__(self, singular: str, plural: str, n: int) -> None:
        super().__init__(singular)
        self.plural = plural
        self.n = n

    def __str__(self) -> str:
        return self.english()

    def __repr__(self) -> str:
        return f"ngettext({self.msgid!r}, {self.plural!r}, {self.n!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPlural):
            return (self.msgid, self.plural, self.n) == (other.msgid, other.plural, other.n)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.msgid, self.plural, self.n))

    def english(self) -> str:
        """The English form for the count: singular for 1, plural otherwise."""
        return self.msgid if self.n == 1 else self.plural


def _(msgid: str) -> LazyText:
    """Mark `msgid` for translation; the catalogue lookup happens when it is rendered.

    ```python
    label=_("VIP tier")
    message=_("At most {limit} characters.")   # placeholders filled when rendered
    ```

    Args:
        msgid: the English source text; it may contain `{name}` placeholders.

    Returns:
        A `LazyText`, translated into each user's language where it is shown.
    """
    return LazyText(msgid)


def ngettext(singular: str, plural: str, n: int) -> LazyPlural:
    """Mark a text whose form depends on a count, e.g. `ngettext("{n} guest", "{n} guests", n)`.

    Like `_`, nothing is translated until the text is rendered for a user's language; the
    count chooses the form there (by the language's plural rule) and fills `{n}`. Message
    extraction (`pybabel extract`) recognises `ngettext` by default.

    Args:
        singular: the English text for a count of one.
        plural: the English text for any other count.
        n: the count.

    Returns:
        A `LazyPlural`.
    """
    return LazyPlural(singular, plural, n)


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


Plurals = tuple[Callable[[int], int], dict[str, tuple[str, ...]]]


def _read_plurals(path: Traversable, locale: str) -> Plurals:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    forms = {
        message.id[0]: tuple(message.string)
        for message in catalog
        if isinstance(message.id, tuple)
        and isinstance(message.string, tuple)
        and all(message.string)
        and not message.fuzzy
    }
    return c2py(catalog.plural_expr), forms


@lru_cache(maxsize=256)
def package_plurals(package: str, domain: str, locale: str) -> Plurals | None:
    """The plural rule and plural entries (singular → forms) of a package's catalogue.

    Returns None when the package ships no catalogue `domain` for `locale`.
    """
    try:
        path = files(package) / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"
    except ModuleNotFoundError:
        return None
    if not path.is_file():
        return None
    return _read_plurals(path, locale)


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

    def plural(self, text: LazyPlural, locale: str) -> str:
        """The form of `text` for its count in `locale` (placeholders not filled)."""
        if locale != "en":
            for package, domain in self._sources:  # the core first, as for single texts
                found = package_plurals(package, domain, locale)
                if found is None or text.msgid not in found[1]:
                    continue
                rule, entries = found
                forms = entries[text.msgid]
                index = rule(text.n)
                return forms[index] if 0 <= index < len(forms) else forms[-1]
        return text.english()

    def gettext(self, text: str | LazyText, locale: str, **params: Any) -> str:
        """Translate `text` into `locale` and fill its `{name}` placeholders.

        A `LazyPlural` takes the form its count calls for, and fills `{n}` with the count
        unless `params` gives `n`.
        """
        if isinstance(text, LazyPlural):
            return self.plural(text, locale).format(**{"n": text.n, **params})
        msgid = text.msgid if isinstance(text, LazyText) else text
        translated = self.catalogue(locale).get(msgid, msgid) if locale != "en" else msgid
        return translated.format(**params) if params else translated


def translate(
    ctx: Context, text: LazyText | str, /, locale: str | None = None, **params: Any
) -> str:
    """`text` translated with the application's catalogues, placeholders filled.

    For code that runs outside a screen (a job, a hook, a command) and must write text in a
    language: a job that mails each user their digest translates into the user's locale.
    Screens use `screen._(...)`, templates `_()`.

    ```python
    subject = translate(ctx, ngettext("{n} visit due", "{n} visits due", n), user.locale)
    ```

    Args:
        ctx: the service context (any: it gives the application's catalogues).
        text: a `_()` or `ngettext()` text, or a plain string (returned as it is).
        locale: the language (`en`, `zh_CN`); by default the acting user's.
        params: values for the text's `{name}` placeholders.

    Returns:
        The translated text.
    """
    return ctx.app.translator.gettext(text, normalize_locale(locale or ctx.actor.locale), **params)
