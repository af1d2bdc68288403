"""What is checked: an installed plugin or a project directory, its files, its import."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.machinery import ModuleSpec
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from guanxi_core.conformance._report import Report, error_line
from guanxi_core.i18n import _
from guanxi_core.loader import GROUP
from guanxi_core.plugin import Plugin

RUNNING = frozenset({"guanxi_core", "guanxi_web", "guanxi_sdk"})


# -- the subject: what is checked, where its files are -------------------------------------------
@dataclass
class Subject:
    entry_name: str
    entry_value: str
    project: Path | None = None  # a project directory (not installed)
    import_base: Path | None = None  # put on sys.path to import it
    distribution: str | None = None
    version: str | None = None
    version_dynamic: bool = False
    requirements: list[str] = field(default_factory=list)
    root: Path | None = None  # file paths in problems are relative to it
    files: list[Path] = field(default_factory=list)

    @property
    def top(self) -> str:
        return self.entry_value.split(":", 1)[0].strip().split(".", 1)[0]

    def where(self, path: Path, line: int | None = None) -> str:
        shown = path
        if self.root is not None and path.is_relative_to(self.root):
            shown = path.relative_to(self.root)
        return f"{shown.as_posix()}:{line}" if line else shown.as_posix()


def _from_project(path: Path, report: Report) -> Subject | None:
    pyproject = path / "pyproject.toml"
    if not pyproject.is_file():
        report.add(_("{path} has no pyproject.toml"), path=str(path))
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        report.add(_("pyproject.toml cannot be read: {error}"), error=error_line(exc))
        return None
    project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
    groups = project.get("entry-points", {})
    eps = groups.get(GROUP, {}) if isinstance(groups, dict) else {}
    if not isinstance(eps, dict) or not eps:
        report.add(_("pyproject.toml declares no entry point in the group {group}"), group=GROUP)
        return None
    if len(eps) > 1:
        report.add(
            _("pyproject.toml declares {count} entry points in {group}; check one plugin each"),
            count=len(eps),
            group=GROUP,
        )
        return None
    name, value = next(iter(eps.items()))
    raw_version = project.get("version")
    dependencies = project.get("dependencies", [])
    return Subject(
        entry_name=str(name),
        entry_value=str(value),
        project=path,
        import_base=path / "src" if (path / "src").is_dir() else path,
        distribution=str(project["name"]) if project.get("name") else None,
        version=str(raw_version) if raw_version is not None else None,
        version_dynamic="version" in project.get("dynamic", []),
        requirements=[str(d) for d in dependencies] if isinstance(dependencies, list) else [],
        root=path,
    )


def _from_entry_point(name: str, report: Report) -> Subject | None:
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        report.add(
            _(
                "no plugin named {name} is installed (`guanxi plugins list` shows them); give a "
                "project directory to check one that is not installed"
            ),
            name=repr(name),
        )
        return None
    ep = found[0]
    dist = ep.dist
    return Subject(
        entry_name=ep.name,
        entry_value=ep.value,
        distribution=str(dist.metadata["Name"]) if dist is not None else None,
        version=dist.version if dist is not None else None,
        requirements=list(dist.requires or []) if dist is not None else [],
    )


def locate(target: str, report: Report) -> Subject | None:
    """What `target` names: a path, else an installed plugin, else a directory by its name."""
    path = Path(target).expanduser()
    explicit_path = any(sep in target for sep in "/\\") or target.startswith((".", "~"))
    if not explicit_path and any(ep.name == target for ep in entry_points(group=GROUP)):
        return _from_entry_point(target, report)
    if path.is_dir():
        return _from_project(path.resolve(), report)
    if explicit_path or path.suffix:
        report.add(_("{path} is not a directory"), path=target)
        return None
    return _from_entry_point(target, report)


def own_modules(top: str) -> dict[str, ModuleType]:
    return {k: m for k, m in sys.modules.items() if k == top or k.startswith(top + ".")}


@contextmanager
def importing(subject: Subject) -> Iterator[None]:
    """Make a project importable from its directory, isolated from an installed copy.

    Guanxi's own packages are running: a project of theirs is checked as it is installed.
    """
    if subject.import_base is None or subject.top in RUNNING:
        yield
        return
    saved = own_modules(subject.top)
    for name in saved:
        del sys.modules[name]
    base = str(subject.import_base)
    sys.path.insert(0, base)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        if base in sys.path:
            sys.path.remove(base)
        for name in own_modules(subject.top):
            del sys.modules[name]
        sys.modules.update(saved)
        importlib.invalidate_caches()


def find_sources(subject: Subject, report: Report) -> bool:
    """Find the module's files (without importing it); False when it cannot be found."""
    try:
        spec: ModuleSpec | None = importlib.util.find_spec(subject.top)
    except (ImportError, ValueError):
        spec = None
    if spec is None or (spec.origin is None and not spec.submodule_search_locations):
        report.add(_("the module {module} of the entry point cannot be found"), module=subject.top)
        return False
    if spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        subject.files = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)
        subject.root = subject.root or package.parent
    elif spec.origin:
        module = Path(spec.origin)
        subject.files = [module]
        subject.root = subject.root or module.parent
    return True


def load(subject: Subject, report: Report) -> Plugin | None:
    entry = f"{subject.entry_name} = {subject.entry_value}"
    try:
        obj = EntryPoint(subject.entry_name, subject.entry_value, GROUP).load()
    except Exception as exc:
        report.add(
            _("entry point {entry} cannot be imported: {error}"), entry=entry, error=error_line(exc)
        )
        return None
    if not isinstance(obj, Plugin):
        report.add(_("entry point {entry} is not a guanxi Plugin"), entry=entry)
        return None
    obj.distribution = subject.distribution or obj.distribution
    obj.version = subject.version or obj.version
    return obj
