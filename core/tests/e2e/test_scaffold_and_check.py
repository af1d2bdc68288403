"""`guanxi plugins new` and `guanxi plugins check`, end to end.

A generated plugin passes its own tests (run with the SDK's pytest kit in a subprocess, from its
`src/` on PYTHONPATH, never installed) and the conformance check; a deliberately broken plugin,
and generated plugins with one mistake each, fail the check with a line naming the mistake.
With GUANXI_TEST_DATABASE_URL set, the generated tests and the migrations run on PostgreSQL:
on a database of their own (`<test database>_scaffold`), since both empty it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from guanxi_core import Settings
from guanxi_core.cli import Runtime, build_cli
from guanxi_core.conformance import check, inspect_plugin
from guanxi_core.db import make_engine
from guanxi_core.loader import core_version
from guanxi_core.scaffold import ScaffoldError, compatible_range, generate, installed_names
from guanxi_core.testing import sibling_database
from guanxi_core.testing import test_database_url as configured_test_database

HERE = Path(__file__).parent
BROKEN = HERE / "scaffold_fixtures" / "guanxi-broken"

Guanxi = Callable[..., Any]


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scratch_server_url() -> Iterator[str | None]:
    """On PostgreSQL, a database of these tests' own beside the test database; else None."""
    url = configured_test_database()
    if url is None:
        yield None
        return
    yield sibling_database(url, "scaffold")


@pytest.fixture
def empty_database(scratch_server_url: str | None) -> Callable[[], str | None]:
    """Empty the scratch database for a migration check: its URL, or None (temp SQLite)."""

    def empty() -> str | None:
        if scratch_server_url is None:
            return None
        engine = make_engine(scratch_server_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return scratch_server_url

    return empty


@pytest.fixture
def scratch_url(empty_database: Callable[[], str | None]) -> str | None:
    """An empty database for the migration check: PostgreSQL, or None (temp SQLite)."""
    return empty_database()


@pytest.fixture
def guanxi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Guanxi:
    """Run `guanxi ARGS...` in-process (on a database file that does not exist)."""
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.delenv("GUANXI_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("GUANXI_LOCALE", raising=False)

    def run(*args: str, locale: str | None = None) -> Any:
        if locale:
            monkeypatch.setenv("GUANXI_LOCALE", locale)
        runtime = Runtime(Settings.from_env())
        try:
            return CliRunner().invoke(build_cli(runtime), list(args), catch_exceptions=False)
        finally:
            runtime.close()

    return run


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """A freshly generated plugin project `guanxi-acme`."""
    return generate("acme", tmp_path)


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must be there) with `new` in a generated file; no `old`: a new file."""
    if not old:
        path.write_text(new, encoding="utf-8")
        return
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def run_generated_tests(project: Path, server_url: str | None) -> subprocess.CompletedProcess[str]:
    """The generated project's own tests, with the SDK's kit, from src/ (not installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUANXI_", "PYTEST_"))}
    env["PYTHONPATH"] = str(project / "src")
    if server_url is not None:
        env["GUANXI_TEST_DATABASE_URL"] = server_url
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# -- the generated plugin ------------------------------------------------------------------------
def test_a_generated_plugin_passes_its_own_tests_and_the_check(
    guanxi: Guanxi,
    tmp_path: Path,
    scratch_server_url: str | None,
    empty_database: Callable[[], str | None],
) -> None:
    created = guanxi("plugins", "new", "acme", "--path", str(tmp_path))
    assert created.exit_code == 0, created.output
    project = tmp_path / "guanxi-acme"
    assert created.stdout.splitlines()[0] == f"created {project}"
    package = project / "src" / "guanxi_acme"
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == [
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "src/guanxi_acme/__init__.py",
        "src/guanxi_acme/locale/zh_CN/LC_MESSAGES/guanxi_acme.po",
        "src/guanxi_acme/migrations/__init__.py",
        "src/guanxi_acme/migrations/versions/0001_acme.py",
        "src/guanxi_acme/py.typed",
        "src/guanxi_acme/templates/acme/account_card.html",
        "src/guanxi_acme/templates/acme/key_customers.html",
        "tests/conftest.py",
        "tests/test_fields.py",
        "tests/test_screens.py",
        "tests/test_workflow.py",
    ]
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "guanxi-acme"' in pyproject
    assert '[project.entry-points."guanxi.plugins"]\nacme = "guanxi_acme:plugin"' in pyproject
    assert re.search(r'dependencies = \["guanxi-sdk>=\d+\.\d+,<\d+(\.\d+)?"\]', pyproject)
    assert 'build-backend = "hatchling.build"' in pyproject
    source = (package / "__init__.py").read_text(encoding="utf-8")
    imports = re.findall(r"^(?:from|import) (\S+)", source, flags=re.M)
    assert imports == ["__future__", "typing", "guanxi_sdk"]

    result = run_generated_tests(project, scratch_server_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b11 passed\b", result.stdout), result.stdout

    checked = guanxi("plugins", "check", str(project), *_database_option(empty_database()))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.strip() == (
        "acme 0.1.0 conforms: 1 table(s), 1 permission(s), 1 activity kind(s), 1 page(s), "
        "1 panel(s), 2 template(s), 21 translated message(s)"
    )


def _database_option(url: str | None) -> list[str]:
    return ["--database", url] if url else []


def test_the_generated_tests_fail_when_the_plugin_is_wrong(
    acme: Path, scratch_server_url: str | None
) -> None:
    """The generated tests test something: a wrong workflow role makes them fail."""
    edit(acme / "src/guanxi_acme/__init__.py", 'roles=["rep", "manager", MANAGER.name]', "roles=[]")
    edit(acme / "src/guanxi_acme/__init__.py", 'roles=["manager", MANAGER.name]', "roles=[]")
    result = run_generated_tests(acme, scratch_server_url)
    assert result.returncode == 1
    assert "test_a_rep_may_not_cancel_a_visit" in result.stdout


def test_a_title_with_quotes_and_chinese_is_carried_into_every_file(
    tmp_path: Path, scratch_url: str | None
) -> None:
    title = 'Acme "Gold" 客户关怀'
    project = generate("acme_care", tmp_path, title=title)
    assert project.name == "guanxi-acme-care"
    assert f"# {title}" in (project / "README.md").read_text(encoding="utf-8")
    assert check(project, database_url=scratch_url) == []
    report = inspect_plugin(project, database_url=scratch_url)
    assert (report.slug, report.version) == ("acme_care", "0.1.0")


# -- refusals of `plugins new` -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "Acme",
            "invalid plugin name 'Acme': use lower-case letters, digits and single underscores, starting with a letter",
        ),
        ("1acme", "invalid plugin name '1acme'"),
        ("acme-x", "invalid plugin name 'acme-x'"),
        ("acme__x", "invalid plugin name 'acme__x'"),
        ("class", "invalid plugin name 'class': it is a Python keyword"),
        ("core", "the plugin name 'core' is reserved"),
        ("web", "the plugin name 'web' is reserved"),
        ("a" * 31, "is too long (at most 30 characters)"),
    ],
)
def test_new_refuses_a_bad_name_in_one_line(
    guanxi: Guanxi, tmp_path: Path, name: str, message: str
) -> None:
    result = guanxi("plugins", "new", name, "--path", str(tmp_path))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_the_name_of_an_installed_plugin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("guanxi_core.scaffold.installed_names", lambda: {"core", "web", "vip"})
    with pytest.raises(
        ScaffoldError, match="the plugin name 'vip' is taken by an installed plugin"
    ):
        generate("vip", tmp_path)
    assert {"core", "web"} <= installed_names()


def test_new_never_overwrites_a_directory(guanxi: Guanxi, acme: Path) -> None:
    readme = acme / "README.md"
    readme.write_text("mine", encoding="utf-8")
    result = guanxi("plugins", "new", "acme", "--path", str(acme.parent))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {acme} already exists; choose another --path or remove it first\n"
    )
    assert readme.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in acme.parent.iterdir()) == ["guanxi-acme"]


def test_new_refuses_a_missing_parent_and_a_bad_title(guanxi: Guanxi, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = guanxi("plugins", "new", "acme", "--path", str(missing))
    assert (result.exit_code, result.stderr) == (1, f"error: {missing} is not a directory\n")
    result = guanxi("plugins", "new", "acme", "--path", str(tmp_path), "--title", "x" * 81)
    assert result.stderr == "error: the title must be one line of 1 to 80 characters\n"
    assert list(tmp_path.iterdir()) == []


def test_new_speaks_chinese(guanxi: Guanxi, tmp_path: Path) -> None:
    result = guanxi("plugins", "new", "core", "--path", str(tmp_path), locale="zh_CN")
    assert result.exit_code == 1
    assert result.stderr == "error: 插件名称 'core' 已被保留\n"


# -- the broken plugin ---------------------------------------------------------------------------
def test_a_broken_plugin_fails_the_check_with_a_line_per_problem(
    guanxi: Guanxi, scratch_url: str | None
) -> None:
    result = guanxi("plugins", "check", str(BROKEN), *_database_option(scratch_url))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "src/guanxi_broken/__init__.py:7 imports guanxi_core.services.context; "
        "a plugin imports only guanxi_sdk of Guanxi",
        "hook 'befor_customer_save' is not a Guanxi hook (did you mean 'before_customer_save'?)",
        "permission 'approve' is not namespaced broken.*",
        "the message 'Nobody translated this' (src/guanxi_broken/__init__.py:48) has no zh_CN "
        "translation in locale/zh_CN/LC_MESSAGES/guanxi_broken.po",
        "the table 'broken_extra' is declared but no migration creates it",
    ]
    assert result.stderr == f"error: {BROKEN}: 5 problem(s)\n"
    assert "guanxi_broken" not in sys.modules  # imported for the check only


def test_the_check_speaks_chinese(guanxi: Guanxi, scratch_url: str | None) -> None:
    result = guanxi("plugins", "check", str(BROKEN), *_database_option(scratch_url), locale="zh_CN")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        lines[1]
        == "钩子 'befor_customer_save' 不是 Guanxi 的钩子（您是否想写 'before_customer_save'？）"
    )
    assert lines[4] == "表 'broken_extra' 已声明，但没有迁移创建它"
    assert result.stderr == f"error: {BROKEN}：5 个问题\n"


def test_the_built_in_plugins_conform_when_checked_by_name(guanxi: Guanxi) -> None:
    for name in ("core", "web"):
        result = guanxi("plugins", "check", name)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{name} ")
        assert " conforms: " in result.stdout


def test_checking_a_plugin_that_is_not_installed_says_so(guanxi: Guanxi, tmp_path: Path) -> None:
    result = guanxi("plugins", "check", "nope")
    assert result.exit_code == 1
    assert result.stdout == (
        "no plugin named 'nope' is installed (`guanxi plugins list` shows them); give a project "
        "directory to check one that is not installed\n"
    )
    result = guanxi("plugins", "check", str(tmp_path))
    assert (result.exit_code, result.stdout) == (1, f"{tmp_path} has no pyproject.toml\n")


def test_the_migration_check_never_touches_a_database_in_use(
    acme: Path, tmp_path: Path, scratch_url: str | None
) -> None:
    url = scratch_url or f"sqlite:///{tmp_path / 'in-use.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE precious (id INTEGER PRIMARY KEY)"))
        connection.execute(text("INSERT INTO precious (id) VALUES (1)"))
    try:
        shown = make_url(url).render_as_string()
        assert check(acme, database_url=url) == [
            f"the database {shown} is not empty; the migrations are checked on an empty database"
        ]
        assert inspect(engine).get_table_names() == ["precious"]
    finally:
        engine.dispose()


# -- one mistake at a time -----------------------------------------------------------------------
PLUGIN = "src/guanxi_acme/__init__.py"
MIGRATION = "src/guanxi_acme/migrations/versions/0001_acme.py"
CARD = "src/guanxi_acme/templates/acme/account_card.html"
CATALOGUE = "src/guanxi_acme/locale/zh_CN/LC_MESSAGES/guanxi_acme.po"

MISTAKES: dict[str, tuple[list[tuple[str, str, str]], str]] = {
    "template syntax": (
        [(CARD, "{% if notes %}", "{% if notes %}{% endfor %}")],
        "template src/guanxi_acme/templates/acme/account_card.html:4 does not compile: "
        "Encountered unknown tag 'endfor'.",
    ),
    "unknown filter": (
        [(CARD, "{{ tier }}", "{{ tier|shout }}")],
        "template src/guanxi_acme/templates/acme/account_card.html:3 does not compile: "
        "No filter named 'shout'.",
    ),
    "missing include": (
        [(CARD, "</dl>", '</dl>{% include "acme/missing.html" %}')],
        "template src/guanxi_acme/templates/acme/account_card.html refers to the missing "
        "template 'acme/missing.html'",
    ),
    "template outside the slug": (
        [("src/guanxi_acme/templates/card.html", "", "<p>{{ _('Tier') }}</p>\n")],
        "template 'card.html' is not under templates/acme/",
    ),
    "column type": (
        [(MIGRATION, 'sa.Column("notes", sa.String(length=200)', 'sa.Column("notes", sa.Integer()')],
        "the column 'acme_profile.notes' has the type INTEGER after the migrations but "
        "VARCHAR(200) as declared",
    ),
    "not null": (
        [(MIGRATION, "sa.String(length=200), nullable=True", "sa.String(length=200), nullable=False")],
        "the column 'acme_profile.notes' is NOT NULL after the migrations but may be empty as declared",
    ),
    "missing column": (
        [(MIGRATION, '        sa.Column("notes", sa.String(length=200), nullable=True),\n', "")],
        "the column 'acme_profile.notes' is declared but no migration creates it",
    ),
    "missing index": (
        [(MIGRATION, '    op.create_index("ix_acme_profile_tier", "acme_profile", ["tier", "customer_id"])\n', ""),
         (MIGRATION, '    op.drop_index("ix_acme_profile_tier", table_name="acme_profile")\n', "")],
        "the index 'ix_acme_profile_tier' on 'acme_profile' is declared but no migration creates it",
    ),
    "undeclared table": (
        [(MIGRATION, "    op.create_index(", '    op.create_table("acme_log", sa.Column("id", sa.Integer(), primary_key=True))\n    op.create_index(')],
        "the migrations create the table 'acme_log', which the plugin does not declare",
    ),
    "downgrade leaves a table": (
        [(MIGRATION, '    op.drop_table("acme_profile")\n', "    pass\n")],
        "the table 'acme_profile' is left after a downgrade to base",
    ),
    "downgrade fails": (
        [(MIGRATION, '    op.drop_table("acme_profile")\n', '    op.drop_table("acme_nothing")\n')],
        "the migrations fail on downgrade to base: ",
    ),
    "no migrations": (
        [(PLUGIN, '    migrations="guanxi_acme.migrations",\n', "")],
        "the tables acme_profile are declared but the plugin ships no migrations (Plugin(migrations=...))",
    ),
    "untranslated": (
        [(CATALOGUE, 'msgid "Account notes"\nmsgstr "客户备注"\n', "")],
        "the message 'Account notes' (src/guanxi_acme/__init__.py:59) has no zh_CN translation "
        "in locale/zh_CN/LC_MESSAGES/guanxi_acme.po",
    ),
    "untranslated in a template": (
        [(CARD, '{{ _("Tier") }}', '{{ _("Level") }}')],
        "the message 'Level' (src/guanxi_acme/templates/acme/account_card.html:2) has no zh_CN "
        "translation in locale/zh_CN/LC_MESSAGES/guanxi_acme.po",
    ),
    "placeholders": (
        [(CATALOGUE, 'msgstr "仅显示前 {count} 位客户。"', 'msgstr "仅显示前 {n} 位客户。"')],
        "the zh_CN translation of 'Only the first {count} customers are shown.' "
        "(src/guanxi_acme/templates/acme/key_customers.html:10) does not have the same placeholders",
    ),
    "unmarked label": (
        [(PLUGIN, 'label=_("Account card")', 'label="Account card"')],
        "src/guanxi_acme/__init__.py:104: the text 'Account card' is not marked for "
        "translation; write _('Account card')",
    ),
    "core excluded": (
        [(PLUGIN, f'requires_core="{compatible_range(core_version())}"', 'requires_core=">=99"')],
        f"requires_core '>=99' excludes this core ({core_version()})",
    ),
    "no requires_core": (
        [(PLUGIN, 'requires_core="', 'requires_core="" and "')],
        "requires_core is not set: declare the core versions the plugin works with",
    ),
    "import of the web": (
        [(PLUGIN, "from typing import Literal\n", "from typing import Literal\n\nimport guanxi_web.display\n")],
        "src/guanxi_acme/__init__.py:12 imports guanxi_web.display; a plugin imports only guanxi_sdk of Guanxi",
    ),
    "dynamic import of the core": (
        [(PLUGIN, "from typing import Literal\n", 'from importlib import import_module\nfrom typing import Literal\n\nimport_module("guanxi_core.db")\n')],
        "src/guanxi_acme/__init__.py:13 imports guanxi_core.db; a plugin imports only guanxi_sdk of Guanxi",
    ),
    "private SDK module": (
        [(PLUGIN, "from typing import Literal\n", "from typing import Literal\n\nimport guanxi_sdk._deprecation\n")],
        "src/guanxi_acme/__init__.py:12 imports guanxi_sdk._deprecation, a private module of the SDK",
    ),
    "entry point name": (
        [("pyproject.toml", 'acme = "guanxi_acme:plugin"', 'acme_plugin = "guanxi_acme:plugin"')],
        "the entry point's name 'acme_plugin' differs from the plugin's slug 'acme'",
    ),
    "no sdk dependency": (
        [("pyproject.toml", 'dependencies = ["guanxi-sdk', 'dependencies = ["rich>=13"]\nx = ["guanxi-sdk')],
        "the distribution does not depend on guanxi-sdk",
    ),
    "no version": (
        [("pyproject.toml", 'version = "0.1.0"\n', "")],
        "the distribution has no version (set [project] version)",
    ),
    "table not namespaced": (
        [(PLUGIN, "\nvisit = ActivityKind(", '\nimport sqlalchemy\n\nsqlalchemy.Table("profile", plugin.metadata, sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True))\n\nvisit = ActivityKind(')],
        "table 'profile' is not named acme_*",
    ),
    "role grants an unknown permission": (
        [(PLUGIN, "        VIEW.name,\n    ],", '        VIEW.name,\n        "acme.overview.edit",\n    ],')],
        "role 'acme_manager' grants the unknown permission 'acme.overview.edit'",
    ),
    "transition names an unknown role": (
        [(PLUGIN, 'roles=["manager", MANAGER.name]', 'roles=["manager", "acme_boss"]')],
        "transition 'cancel' of 'acme.visit' names the unknown role 'acme_boss'",
    ),
    "page needs an unknown permission": (
        [(PLUGIN, "permission=VIEW.name, nav=True", 'permission="acme.overview.see", nav=True')],
        "page '/' needs the unknown permission 'acme.overview.see'",
    ),
    "page outside the prefix": (
        [(PLUGIN, '@plugin.page("/",', '@plugin.page("/p/other/x",')],
        "declaration refused: page '/p/other/x' is not under the plugin's prefix /p/acme/",
    ),
    "route declared twice": (
        [(PLUGIN, '\n@plugin.panel(', '\n@plugin.page("/", label=_("Key customers"))\ndef again(screen: Screen) -> str:\n    return ""\n\n\n@plugin.panel(')],
        "the core refuses to register the plugin: route GET /p/acme is declared twice",
    ),
    "hook argument": (
        [(PLUGIN, "\nvisit = ActivityKind(", "\n@plugin.hook\ndef after_customer_save(ctx, customer, changes, created, extra):\n    pass\n\n\nvisit = ActivityKind(")],
        "hook 'after_customer_save': the argument 'extra' is not one the hook gives (ctx, customer, changes, created)",
    ),
    "hook default": (
        [(PLUGIN, "\nvisit = ActivityKind(", "\n@plugin.hook\ndef after_customer_save(ctx, customer, changes, created=False):\n    pass\n\n\nvisit = ActivityKind(")],
        "hook 'after_customer_save': the argument 'created' has a default value, so it is never given",
    ),
    "unattached hook": (
        [(PLUGIN, "\nvisit = ActivityKind(", "\nfrom guanxi_sdk import hookimpl\n\n\n@hookimpl\ndef after_customer_save(ctx, customer, changes, created):\n    pass\n\n\nvisit = ActivityKind(")],
        "hook implementation 'after_customer_save' in guanxi_acme is not attached to the plugin (decorate it with @plugin.hook)",
    ),
    "import fails": (
        [(PLUGIN, "from typing import Literal\n", "from typing import Literal\n\nimport lunar_calendar\n")],
        "entry point acme = guanxi_acme:plugin cannot be imported: ModuleNotFoundError: No module named 'lunar_calendar'",
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_mistake_is_named_in_one_line(
    acme: Path, scratch_url: str | None, mistake: str
) -> None:
    edits, expected = MISTAKES[mistake]
    for relative, old, new in edits:
        edit(acme / relative, old, new)
    problems = check(acme, database_url=scratch_url)
    assert any(p.startswith(expected) for p in problems), problems
    assert all("\n" not in p for p in problems)
