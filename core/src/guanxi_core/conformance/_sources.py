"""The sources of a plugin: its imports, its labels, its templates and its messages."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import string
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from babel.messages.extract import extract
from babel.messages.pofile import read_po

from guanxi_core.conformance._report import Report, error_line
from guanxi_core.conformance._subject import Subject
from guanxi_core.i18n import _, package_translations
from guanxi_core.plugin import Plugin

if TYPE_CHECKING:
    import jinja2


LOCALE = "zh_CN"
SDK = "guanxi_sdk"
LABEL_KEYWORDS = frozenset({"label", "title", "help", "description"})
LABEL_CALLS = frozenset(
    {"Plugin", "Permission", "Role", "permission", "role", "Field", "ActivityKind",
     "Transition", "page", "panel", "PageSpec", "PanelSpec", "job", "JobSpec"}
)  # fmt: skip
"""Declarations whose label keywords (and for some, second argument) users read."""
_POSITIONAL_LABEL = frozenset({"Plugin", "Permission", "Role", "permission", "role"})


# -- the source: imports, unmarked labels and marked messages --------------------------------------
def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.level == 0 and node.module else []
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        called = _called_name(node)
        if called in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _check_import(module: str, own: str, where: str, report: Report) -> None:
    parts = module.split(".")
    if parts[0] == own:
        return
    if parts[0] == SDK:
        if any(part.startswith("_") for part in parts[1:]):
            report.add(
                _("{where} imports {module}, a private module of the SDK"),
                where=where,
                module=module,
            )
    elif parts[0] == "guanxi" or parts[0].startswith("guanxi_"):
        report.add(
            _("{where} imports {module}; a plugin imports only guanxi_sdk of Guanxi"),
            where=where,
            module=module,
        )


def _unmarked_labels(node: ast.Call) -> list[ast.Constant]:
    called = _called_name(node)
    if called not in LABEL_CALLS:
        return []
    values = [kw.value for kw in node.keywords if kw.arg in LABEL_KEYWORDS]
    if called in _POSITIONAL_LABEL and len(node.args) >= 2:
        values.append(node.args[1])
    return [
        v
        for v in values
        if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value.strip()
    ]


def scan_sources(subject: Subject, plugin: Plugin | None, report: Report) -> dict[str, str]:
    """Check imports and labels of every module; return its marked messages → where."""
    messages: dict[str, str] = {}
    builtin = plugin is not None and plugin.builtin
    for path in subject.files:
        try:
            source = path.read_bytes()
            tree = ast.parse(source, str(path))
        except (SyntaxError, ValueError) as exc:
            report.add(
                _("{where} cannot be parsed: {error}"),
                where=subject.where(path),
                error=error_line(exc),
            )
            continue
        for node in ast.walk(tree):
            line = getattr(node, "lineno", None)
            if not builtin:
                for module in _imported_modules(node):
                    _check_import(module, subject.top, subject.where(path, line), report)
            if isinstance(node, ast.Call):
                for constant in _unmarked_labels(node):
                    report.add(
                        _(
                            "{where}: the text {value} is not marked for translation; write "
                            "_({value})"
                        ),
                        where=subject.where(path, constant.lineno),
                        value=repr(constant.value),
                    )
        for lineno, message, _comments, _context in extract(
            "python", io.BytesIO(source), keywords={"_": None}
        ):
            if isinstance(message, str) and message:
                messages.setdefault(message, subject.where(path, lineno))
    return messages


# -- templates -----------------------------------------------------------------------------------
def _environment(plugin: Plugin, folder: Path) -> jinja2.Environment:
    """The web's Jinja environment with the plugin's templates, or a plain one without the web.

    The core never imports the web statically (the layering contract); the check borrows the
    web's environment, the one pages render in, only when the web is installed.
    """
    import jinja2  # noqa: PLC0415 - Jinja comes with the web, not with the core

    try:
        templating = importlib.import_module("guanxi_web.templating")
    except ModuleNotFoundError:
        return jinja2.Environment(  # noqa: S701 - compiled only, never rendered
            loader=jinja2.FileSystemLoader(folder), trim_blocks=True, lstrip_blocks=True
        )
    return cast("jinja2.Environment", templating.build_environment([plugin]))


def check_templates(plugin: Plugin, subject: Subject, report: Report) -> dict[str, str]:
    """Compile every template; return the messages the templates mark → where."""
    folder = plugin.templates_path()
    messages: dict[str, str] = {}
    if folder is None:
        report.counts["templates"] = 0
        return messages
    import jinja2  # noqa: PLC0415
    import jinja2.meta  # noqa: PLC0415
    from jinja2.ext import babel_extract  # noqa: PLC0415

    env = _environment(plugin, folder)
    paths = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )
    report.counts["templates"] = len(paths)
    for path in paths:
        name = path.relative_to(folder).as_posix()
        where = subject.where(path)
        if not name.startswith(f"{plugin.slug}/"):
            report.add(
                _("template {name} is not under templates/{slug}/"),
                name=repr(name),
                slug=plugin.slug,
            )
        try:
            source = path.read_text(encoding="utf-8")
            env.compile(source, name, str(path))
        except UnicodeDecodeError:
            report.add(_("template {where} is not UTF-8 text"), where=where)
            continue
        except jinja2.TemplateSyntaxError as exc:
            report.add(
                _("template {where} does not compile: {error}"),
                where=subject.where(path, exc.lineno),
                error=exc.message or "",
            )
            continue
        for target in jinja2.meta.find_referenced_templates(env.parse(source)):
            if target is None:
                continue
            try:
                env.get_template(target)
            except jinja2.TemplateNotFound:
                report.add(
                    _("template {where} refers to the missing template {target}"),
                    where=where,
                    target=repr(target),
                )
            except jinja2.TemplateSyntaxError:
                pass  # reported where that template is checked
        options = {"trim_blocks": "true", "lstrip_blocks": "true"}
        method = cast("Any", babel_extract)  # Jinja's extractor is typed more loosely
        for lineno, message, _comments, _context in extract(
            method, io.BytesIO(source.encode()), keywords={"_": None}, options=options
        ):
            if isinstance(message, str) and message:
                messages.setdefault(message, subject.where(path, lineno))
    return messages


# -- translations --------------------------------------------------------------------------------
def _placeholders(text: str) -> set[str] | None:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return None


def check_translations(plugin: Plugin, messages: Mapping[str, str], report: Report) -> None:
    report.counts["messages"] = len(messages)
    if not messages:
        return
    if plugin.translations is None:
        if not plugin.builtin:
            report.add(
                _(
                    "{count} message(s) are marked for translation but the plugin declares no "
                    "catalogue (Plugin(translations=(package, domain)))"
                ),
                count=len(messages),
            )
        return
    package, domain = plugin.translations
    relative = f"locale/{LOCALE}/LC_MESSAGES/{domain}.po"
    try:
        path = files(package) / "locale" / LOCALE / "LC_MESSAGES" / f"{domain}.po"
        present = path.is_file()
    except ModuleNotFoundError:
        present = False
    if not present:
        report.add(
            _("there is no {language} catalogue {path} in {package}"),
            language=LOCALE,
            path=relative,
            package=package,
        )
        return
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=LOCALE)
    except Exception as exc:
        report.add(
            _("the catalogue {path} cannot be read: {error}"), path=relative, error=error_line(exc)
        )
        return
    translated = {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }
    if plugin.builtin:  # a built-in ships with the core and may use the core's messages
        translated = {**(package_translations("guanxi_core", "guanxi_core", LOCALE) or {}),
                      **translated}  # fmt: skip
    for msgid, where in messages.items():
        text = translated.get(msgid)
        if text is None:
            report.add(
                _("the message {msgid} ({where}) has no {language} translation in {path}"),
                msgid=repr(msgid),
                where=where,
                language=LOCALE,
                path=relative,
            )
        elif _placeholders(text) != _placeholders(msgid):
            report.add(
                _(
                    "the {language} translation of {msgid} ({where}) does not have the same "
                    "placeholders"
                ),
                msgid=repr(msgid),
                where=where,
                language=LOCALE,
            )
