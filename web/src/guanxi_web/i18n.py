"""Choosing the language of a request."""

from __future__ import annotations

from guanxi_core.i18n import SUPPORTED_LOCALES, normalize_locale


def from_accept_language(header: str | None) -> str | None:
    """The supported locale an `Accept-Language` header prefers most, or None."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:500].split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        locale = normalize_locale(tag.strip(), default="")
        if locale and quality > 0:
            choices.append((-quality, position, locale))
    return min(choices)[2] if choices else None


def supported(value: str | None) -> str | None:
    """`value` if it names a supported locale exactly, else None."""
    return value if value in SUPPORTED_LOCALES else None
