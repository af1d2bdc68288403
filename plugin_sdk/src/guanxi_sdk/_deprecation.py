"""Renamed API that keeps importing, with a warning, until the release that removes it."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class DeprecatedAlias:
    """An old name that still resolves to its replacement, with a warning.

    Made by `deprecated_alias`; resolved by the module `__getattr__` that `deprecated_names`
    builds.

    Attributes:
        old_name: the name callers still use.
        new_object: what the name now resolves to.
        new_name: the replacement's name, shown in the warning.
        since: the version that deprecated the old name.
        removed_in: the version that removes it.
    """

    old_name: str
    new_object: object
    new_name: str
    since: str
    removed_in: str

    def message(self, module: str) -> str:
        """The warning's text: what is deprecated, its replacement and when it goes away."""
        return (
            f"{module}.{self.old_name} is deprecated since {self.since} and will be removed "
            f"in {self.removed_in}; use {module}.{self.new_name} instead"
        )


def _version(value: str, what: str, name: str) -> Version:
    try:
        return Version(value)
    except InvalidVersion as exc:
        raise ValueError(f"deprecated alias {name!r}: {what}={value!r} is not a version") from exc


def deprecated_alias(
    old_name: str,
    new_object: object,
    *,
    since: str,
    removed_in: str,
    new_name: str | None = None,
) -> DeprecatedAlias:
    """Keep a renamed name importable, warning that it goes away.

    ```python
    __getattr__ = deprecated_names(
        __name__,
        deprecated_alias("JobDeclaration", JobSpec, since="1.3", removed_in="2.0"),
    )
    ```

    `from guanxi_sdk import JobDeclaration` then gives `JobSpec` and a `DeprecationWarning`:
    "guanxi_sdk.JobDeclaration is deprecated since 1.3 and will be removed in 2.0; use
    guanxi_sdk.JobSpec instead". A plugin may use the same pair for its own renamed API.

    Args:
        old_name: the name callers still use.
        new_object: what it resolves to now.
        since: the version that deprecated it.
        removed_in: the version that removes it (later than `since`; for the SDK, a major
            release).
        new_name: the replacement's name; by default `new_object.__name__`.

    Returns:
        The alias, for `deprecated_names`.

    Raises:
        ValueError: on a name that is not an identifier, a version that is not one, a removal
            not after the deprecation, or a replacement without a name.
    """
    if not old_name.isidentifier():
        raise ValueError(f"deprecated alias {old_name!r} is not an identifier")
    if _version(removed_in, "removed_in", old_name) <= _version(since, "since", old_name):
        raise ValueError(f"deprecated alias {old_name!r}: removed_in must come after since")
    name = new_name or getattr(new_object, "__name__", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"deprecated alias {old_name!r}: give new_name= for its replacement")
    return DeprecatedAlias(old_name, new_object, name, since, removed_in)


class DeprecatedNames:
    """A module's `__getattr__` that resolves its deprecated aliases (see `deprecated_names`).

    Attributes:
        module: the module's name (`__name__`).
        aliases: old name → alias.
    """

    def __init__(self, module: str, aliases: Iterable[DeprecatedAlias]) -> None:
        self.module = module
        self.aliases: dict[str, DeprecatedAlias] = {}
        for alias in aliases:
            if alias.old_name in self.aliases:
                raise ValueError(f"deprecated alias {alias.old_name!r} is given twice")
            self.aliases[alias.old_name] = alias

    def __call__(self, name: str) -> object:
        """The replacement of the deprecated `name`, with a `DeprecationWarning`.

        Raises:
            AttributeError: `name` is not a deprecated alias (so `hasattr` stays truthful).
        """
        alias = self.aliases.get(name)
        if alias is None:
            raise AttributeError(f"module {self.module!r} has no attribute {name!r}")
        # `from package import name` first probes the name with hasattr() inside importlib, then
        # reads it in the importer's frame: warn once, there.
        if sys._getframe(1).f_globals.get("__name__") != "importlib._bootstrap":
            warnings.warn(alias.message(self.module), DeprecationWarning, stacklevel=2)
        return alias.new_object


def deprecated_names(module: str, *aliases: DeprecatedAlias) -> DeprecatedNames:
    """Build a module `__getattr__` (PEP 562) that serves renamed names with a warning.

    Assign it at the end of the module, outside `TYPE_CHECKING` so that type checkers keep
    reporting unknown names (and point users at the new ones):

    ```python
    from typing import TYPE_CHECKING

    if not TYPE_CHECKING:
        __getattr__ = deprecated_names(
            __name__, deprecated_alias("OldName", NewName, since="1.3", removed_in="2.0")
        )
    ```

    Args:
        module: the module's `__name__`.
        aliases: the module's deprecated aliases (`deprecated_alias(...)`).

    Returns:
        The `__getattr__` function; any other missing name raises `AttributeError`.

    Raises:
        ValueError: when two aliases share an old name.
    """
    return DeprecatedNames(module, aliases)
