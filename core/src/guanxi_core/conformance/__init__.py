"""Conformance: what `guanxi plugins check` verifies before a vendor ships a plugin.

`inspect_plugin(target)` checks an installed plugin (by its entry-point name) or a plugin
project directory (read from its `pyproject.toml` and imported from its `src/` without being
installed) and returns a `Report`; `check(target)` returns the problems as lines. The checks:

- the manifest: the entry point names a `Plugin` whose slug is the entry point's name, with a
  title, a version and a `requires_core` admitting this core; the distribution depends on the
  SDK with a range admitting the installed one;
- every hook implementation matches a hook (misspelled hooks, arguments a hook never gives);
- names are namespaced by the slug: tables `<slug>_*`, permissions and activity kinds
  `<slug>.*`, pages under `/p/<slug>`, templates under `templates/<slug>/`; roles and
  transitions name only permissions and roles that exist; the core accepts the declarations;
- the migrations upgrade, downgrade and upgrade again on an empty database (the core migrated
  first), and the migrated schema is the declared one;
- every template compiles in the web's Jinja environment and what it includes exists;
- every message marked with `_()` in the code and templates (extracted with Babel) has a
  zh_CN translation with the same placeholders, and no label is left unmarked;
- modules import only `guanxi_sdk` of Guanxi (an AST scan), never the core's or web's
  internals.
"""

from __future__ import annotations

from pathlib import Path

from guanxi_core import migrate
from guanxi_core.conformance._declarations import (
    check_declarations,
    check_hooks,
    check_manifest,
    declarations,
    required_plugins,
)
from guanxi_core.conformance._report import Problem, Report
from guanxi_core.conformance._schema import check_migrations
from guanxi_core.conformance._sources import check_templates, check_translations, scan_sources
from guanxi_core.conformance._subject import find_sources, importing, load, locate, own_modules


def inspect_plugin(target: str | Path, *, database_url: str | None = None) -> Report:
    """Check a plugin for conformance before it ships.

    Args:
        target: an installed plugin's entry-point name, or a plugin project's directory (with
            its `pyproject.toml`; imported from its `src/` without being installed).
        database_url: an empty database to run the migrations on; by default a temporary
            SQLite file. The core is migrated into it first.

    Returns:
        The report; `report.problems` is empty when the plugin conforms.
    """
    report = Report(str(target))
    subject = locate(str(target), report)
    if subject is None:
        return report
    report.version = subject.version
    with importing(subject):
        if not find_sources(subject, report):
            return report
        plugin = load(subject, report)
        messages = scan_sources(subject, plugin, report)
        if plugin is None:
            return report
        report.slug = plugin.slug
        check_manifest(subject, plugin, report)
        before = len(report.problems)
        check_hooks(plugin, own_modules(subject.top), report)
        found = declarations(plugin, report)
        required = required_plugins(plugin, report)
        # Problems found so far explain a refusal by the core; it is asked only otherwise.
        check_declarations(plugin, found, required, report, register=len(report.problems) == before)
        for msgid, where in check_templates(plugin, subject, report).items():
            messages.setdefault(msgid, where)
        check_translations(plugin, messages, report)
        check_migrations(plugin, required, database_url, report)
        report.counts.update(
            tables=len(migrate.target_metadata(plugin).tables),
            permissions=len(found.permissions),
            kinds=len(found.kinds),
            pages=len(found.pages),
            panels=len(found.panels),
        )
    return report


def check(target: str | Path, *, database_url: str | None = None) -> list[str]:
    """The problems `inspect_plugin` finds, one line each (empty when the plugin conforms)."""
    return [str(problem) for problem in inspect_plugin(target, database_url=database_url).problems]


__all__ = ["Problem", "Report", "check", "inspect_plugin"]
