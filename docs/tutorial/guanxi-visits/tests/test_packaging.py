"""What the package ships: a migration that matches the declarations, a complete catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import guanxi_visits
from guanxi_visits import plugin

PACKAGE = Path(guanxi_visits.__file__).parent


# --8<-- [start:migration-test]
def test_the_migration_creates_exactly_the_declared_tables(guanxi_app: Any) -> None:
    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return type_ != "table" or str(name).startswith("visits_")

    with guanxi_app.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": ours})
        assert compare_metadata(context, plugin.metadata) == []


# --8<-- [end:migration-test]


def test_every_text_has_a_chinese_translation() -> None:
    extracted = {
        message[2]
        for message in extract_from_dir(
            str(PACKAGE),
            method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
            keywords={"_": None},
        )
        if isinstance(message[2], str)
    }
    assert "Visits due" in extracted  # both code and templates were read
    with (PACKAGE / "locale/zh_CN/LC_MESSAGES/visits.po").open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    assert sorted(m for m in extracted if not catalogue.get(m)) == []


def test_the_wheel_ships_its_templates_catalogue_and_migration() -> None:
    for path in (
        "templates/visits/due.html",
        "locale/zh_CN/LC_MESSAGES/visits.po",
        "migrations/versions/0001_visits.py",
        "py.typed",
    ):
        assert (PACKAGE / path).is_file(), path
