"""The docs promise what the code does.

Every hook is documented in docs/hooks.md; every snippet the pages include exists (mkdocs
builds with `check_paths` too); every code block of the tutorial comes from a file that CI
runs; every name of the SDK is in its reference; every page is in the navigation.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import guanxi_sdk
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


# -- the site: snippets, the tutorial, the SDK reference --------------------------------------
ROOT = DOCS.parent
SNIPPET = re.compile(r'^\s*--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"\s*$', re.MULTILINE)
FENCE = re.compile(r"^(?P<indent> *)```[^\n]*\n(?P<body>.*?)^(?P=indent)```\s*$", re.M | re.S)
SITE_PAGES = sorted(
    path
    for path in DOCS.rglob("*.md")
    if not path.is_relative_to(DOCS / "tutorial" / "guanxi-visits")
)


def snippet_includes() -> list[tuple[Path, str, str | None]]:
    return [
        (page, match["path"], match["section"])
        for page in SITE_PAGES
        for match in SNIPPET.finditer(page.read_text(encoding="utf-8"))
    ]


def test_the_site_includes_snippets() -> None:
    pages = {page.name for page, _path, _section in snippet_includes()}
    assert {"index.md", "publishing.md", "upgrading.md"} <= pages


@pytest.mark.parametrize(
    ("page", "path", "section"),
    snippet_includes(),
    ids=lambda value: str(value.relative_to(DOCS)) if isinstance(value, Path) else str(value),
)
def test_every_snippet_include_names_a_file_and_a_section_that_exist(
    page: Path, path: str, section: str | None
) -> None:
    source = ROOT / path
    assert source.is_file(), f"{page.name}: {path} does not exist"
    if section is not None:
        text = source.read_text(encoding="utf-8")
        for marker in ("start", "end"):
            found = re.findall(rf"--8<-- \[{marker}:{re.escape(section)}\]", text)
            assert len(found) == 1, f"{page.name}: {path} has {len(found)} [{marker}:{section}]"
        start = text.index(f"[start:{section}]")
        assert start < text.index(f"[end:{section}]"), f"{path}: [{section}] ends before it starts"


def test_every_code_block_of_the_tutorial_is_included_from_a_file_ci_runs() -> None:
    tutorial = (DOCS / "tutorial" / "index.md").read_text(encoding="utf-8")
    blocks = [m["body"] for m in FENCE.finditer(tutorial)]
    assert len(blocks) >= 15
    for body in blocks:
        lines = [line for line in body.splitlines() if line.strip()]
        assert lines and all(SNIPPET.fullmatch(line) for line in lines), body
    included = {
        path for page, path, _section in snippet_includes() if page.parent.name == "tutorial"
    }
    plugin = "docs/tutorial/guanxi-visits/"
    assert {p for p in included if not p.startswith(plugin)} == {"scripts/tutorial-check"}


def test_every_sdk_name_is_in_the_sdk_reference() -> None:
    documented = set(re.findall(r"^::: guanxi_sdk\.(\w+)$", (DOCS / "sdk.md").read_text(), re.M))
    assert documented - {"pytest_plugin"} == set(guanxi_sdk.__all__)


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.MULTILINE))
    assert {str(page.relative_to(DOCS)) for page in SITE_PAGES} == listed
