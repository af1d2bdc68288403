"""The report of a conformance check: problems, one line each, and counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guanxi_core.i18n import LazyText


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plugin: a one-line, translatable message and its values.

    Attributes:
        message: the English text with `{name}` placeholders (translated when shown).
        params: the placeholders' values.
    """

    message: LazyText
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return one_line(self.message.msgid.format(**self.params))


@dataclass
class Report:
    """What `inspect_plugin` found.

    Attributes:
        target: what was checked (an entry-point name or a directory).
        slug: the plugin's slug, once it could be imported.
        version: its version (distribution metadata, or the project's pyproject).
        problems: everything wrong, one line each; empty when the plugin conforms.
        counts: what it declares, for the summary: tables, permissions, kinds, pages,
            panels, templates and messages.
    """

    target: str
    slug: str | None = None
    version: str | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the plugin conforms."""
        return not self.problems

    def add(self, message: LazyText, **params: Any) -> None:
        """Record a problem."""
        self.problems.append(Problem(message, params))


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def error_line(exc: BaseException) -> str:
    """An exception as one short line (a database error without its SQL)."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__
