"""`guanxi plugins new`: a working plugin package, generated from the templates beside this file.

The folder `templates/` mirrors the generated project: in its paths `__package__` becomes the
import name (`guanxi_acme`), `__slug__` the slug (`acme`) and `__dot__` a dot (hidden
files are not package data everywhere); a file's `.tmpl` suffix is
dropped, and its text is filled with `string.Template` (`${name}`, `${package}`, ...). The
result imports only `guanxi_sdk`, passes `guanxi plugins check` and its own tests, which use
the SDK's pytest kit.
"""

from __future__ import annotations

import json
import keyword
import re
import secrets
import shutil
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, entry_points, version
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from typing import Any

from packaging.version import InvalidVersion, Version

from guanxi_core.errors import GuanxiError
from guanxi_core.i18n import LazyText, _
from guanxi_core.loader import GROUP, core_version

RESERVED = frozenset({"core", "web", "sdk", "guanxi", "plugin", "plugins"})
"""Slugs a new plugin may not take: the built-ins' and names that would read as Guanxi's own."""
MAX_NAME = 30
"""The longest slug: it prefixes table and index names, which PostgreSQL cuts at 63 bytes."""
MAX_TITLE = 80
SDK_DISTRIBUTION = "guanxi-sdk"
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ScaffoldError(GuanxiError):
    """The plugin could not be generated; nothing was written.

    Attributes:
        message: the user-facing text, translated when shown.
        params: values for the message's placeholders.
    """

    def __init__(self, message: LazyText, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message.msgid.format(**params))


def installed_names() -> set[str]:
    """The entry-point names of every installed plugin (each is a taken slug)."""
    return {ep.name for ep in entry_points(group=GROUP)}


def validate_name(name: str, taken: Iterable[str] = ()) -> None:
    """Refuse a name that cannot be a new plugin's slug.

    Args:
        name: the proposed slug.
        taken: slugs of installed plugins.

    Raises:
        ScaffoldError: why the name cannot be used.
    """
    if not _NAME.fullmatch(name) or name.endswith("_") or "__" in name:
        raise ScaffoldError(
            _(
                "invalid plugin name {name}: use lower-case letters, digits and single "
                "underscores, starting with a letter"
            ),
            name=repr(name),
        )
    if keyword.iskeyword(name):
        raise ScaffoldError(
            _("invalid plugin name {name}: it is a Python keyword"), name=repr(name)
        )
    if len(name) > MAX_NAME:
        raise ScaffoldError(
            _("the plugin name {name} is too long (at most {max} characters)"),
            name=repr(name),
            max=MAX_NAME,
        )
    if name in RESERVED:
        raise ScaffoldError(_("the plugin name {name} is reserved"), name=repr(name))
    if name in set(taken):
        raise ScaffoldError(
            _("the plugin name {name} is taken by an installed plugin"), name=repr(name)
        )


def compatible_range(current: Version) -> str:
    """The versions compatible with `current` under semantic versioning (`>=0.1,<0.2`)."""
    if current.major == 0:
        return f">={current.major}.{current.minor},<0.{current.minor + 1}"
    return f">={current.major}.{current.minor},<{current.major + 1}"


def _sdk_version() -> Version:
    try:
        return Version(version(SDK_DISTRIBUTION))
    except (PackageNotFoundError, InvalidVersion):  # a core without the SDK: follow the core
        return core_version()


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    return f'"{escaped}"'


def template_values(name: str, title: str) -> dict[str, str]:
    """What the templates are filled with, for plugin `name` titled `title`."""
    package = f"guanxi_{name}"
    return {
        "name": name,
        "package": package,
        "distribution": f"guanxi-{name.replace('_', '-')}",
        "title": title,
        # JSON strings are valid Python and TOML string literals
        "title_literal": json.dumps(title, ensure_ascii=False),
        "title_po": _po_string(title),
        "requires_core": compatible_range(core_version()),
        "sdk_requirement": f"{SDK_DISTRIBUTION}{compatible_range(_sdk_version())}",
    }


def _check_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > MAX_TITLE or any(ch in title for ch in "\r\n\x00"):
        raise ScaffoldError(_("the title must be one line of 1 to {max} characters"), max=MAX_TITLE)
    return title


def _templates() -> Traversable:
    return files(__name__) / "templates"


def _walk(folder: Traversable, relative: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            yield from _walk(entry, (*relative, entry.name))
        else:
            yield (*relative, entry.name)


def render(values: dict[str, str]) -> dict[str, str]:
    """The generated project's files: relative path → text."""
    root = _templates()
    out: dict[str, str] = {}
    for parts in _walk(root):
        source = root.joinpath(*parts)
        names = [
            p.replace("__package__", values["package"])
            .replace("__slug__", values["name"])
            .replace("__dot__", ".")
            for p in parts
        ]
        names[-1] = names[-1].removesuffix(".tmpl")
        out["/".join(names)] = Template(source.read_text(encoding="utf-8")).substitute(values)
    return out


def generate(name: str, parent: Path, *, title: str | None = None) -> Path:
    """Write a new plugin project `guanxi-<name>/` into `parent`.

    Args:
        name: the plugin's slug (a lower-case identifier, not taken by an installed plugin).
        parent: the existing directory to create the project in.
        title: the plugin's display name; by default the name, capitalised.

    Returns:
        The project's directory.

    Raises:
        ScaffoldError: the name or title is refused, `parent` is not a directory or the
            project's directory exists. Nothing is written then.
    """
    validate_name(name, installed_names())
    values = template_values(name, _check_title(title or name.replace("_", " ").title()))
    if not parent.is_dir():
        raise ScaffoldError(_("{path} is not a directory"), path=str(parent))
    target = parent / values["distribution"]
    if target.exists():
        raise ScaffoldError(
            _("{path} already exists; choose another --path or remove it first"),
            path=str(target),
        )
    rendered = render(values)
    # Written beside the target and renamed at the end: a failure leaves nothing half-made.
    staging = parent / f".{values['distribution']}-{secrets.token_hex(4)}.tmp"
    staging.mkdir()
    try:
        for relative, text in rendered.items():
            path = staging.joinpath(*relative.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


__all__ = [
    "RESERVED",
    "ScaffoldError",
    "compatible_range",
    "generate",
    "installed_names",
    "render",
    "template_values",
    "validate_name",
]
