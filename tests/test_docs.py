"""The docs promise what the code does: every hook is documented in docs/hooks.md."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from guanxi_core import hookspecs

DOCS = Path(__file__).parents[1] / "docs"


def hook_names() -> set[str]:
    return {
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "guanxi_spec")
    }


def test_every_hook_is_documented_and_every_documented_hook_exists() -> None:
    documented = set(re.findall(r"^## `(\w+)`", (DOCS / "hooks.md").read_text(), re.MULTILINE))
    assert documented == hook_names()


def test_every_hookspec_has_a_docstring() -> None:
    for name in hook_names():
        assert (inspect.getdoc(getattr(hookspecs, name)) or "").strip(), name
