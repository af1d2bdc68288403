"""Every message of the web has a zh_CN translation (the pages are checked in test_every_route)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import guanxi_core
import guanxi_web

WEB = Path(guanxi_web.__file__).parent
CORE = Path(guanxi_core.__file__).parent


def catalogue(package: Path, domain: str) -> dict[str, str]:
    with (package / f"locale/zh_CN/LC_MESSAGES/{domain}.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


def template_messages() -> set[str]:
    found: set[str] = set()
    for template in (WEB / "templates").rglob("*.html"):
        with template.open("rb") as handle:
            for _line, _function, message, _comments in babel_extract(
                handle, ("_",), [], {"trim_blocks": "1", "lstrip_blocks": "1"}
            ):
                if isinstance(message, str):
                    found.add(message)
    return found


def python_messages() -> set[str]:
    return {m[2] for m in extract_from_dir(str(WEB), keywords={"_": None}) if isinstance(m[2], str)}


def test_every_web_message_has_a_zh_cn_translation() -> None:
    translated = {
        msgid
        for msgid, msgstr in {
            **catalogue(CORE, "guanxi_core"),
            **catalogue(WEB, "guanxi_web"),
        }.items()
        if msgstr
    }
    used = template_messages() | python_messages()
    assert len(used) > 100
    assert sorted(used - translated) == []
