"""The Jinja environment: one loader per plugin, templates namespaced by slug.

`web/base.html` is found through the plain loader (a `ChoiceLoader` over every plugin's
`templates/` folder), and as `web:web/base.html` through a `PrefixLoader`, so a plugin may
extend the web's layout explicitly even where another plugin overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import jinja2

from guanxi_core import Plugin
from guanxi_web.screens import TEMPLATE_GLOBALS


def template_folder(package: str) -> Path | None:
    """The absolute `templates/` folder of a package, if it ships one."""
    try:
        folder = Path(str(files(package) / "templates"))
    except ModuleNotFoundError:
        return None
    return folder if folder.is_dir() else None


def build_environment(plugins: Iterable[Plugin]) -> jinja2.Environment:
    """The Jinja environment of the web UI: the web's own templates first, then each plugin's."""
    loaders: dict[str, jinja2.BaseLoader] = {}
    web = template_folder("guanxi_web")
    assert web is not None
    loaders["web"] = jinja2.FileSystemLoader(web)
    for plugin in plugins:
        folder = plugin.templates_path()  # see Plugin(templates=...)
        if folder is not None and folder != web and plugin.slug not in loaders:
            loaders[plugin.slug] = jinja2.FileSystemLoader(folder)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([*loaders.values(), jinja2.PrefixLoader(loaders, ":")]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside packages: a deploy restarts the server, so no file checks
        # on every render (28 of them for a customer page).
        auto_reload=False,
    )
    env.globals.update(TEMPLATE_GLOBALS)
    return env
