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


def template_folder(package: str) -> Path | None:
    """The absolute `templates/` folder of a package, if it ships one."""
    try:
        folder = Path(str(files(package) / "templates"))
    except ModuleNotFoundError:
        return None
    return folder if folder.is_dir() else None


def plugin_package(plugin: Plugin) -> str | None:
    """The top-level package a plugin lives in (where its templates are looked for)."""
    module = type(plugin).__module__ if type(plugin) is not Plugin else None
    if plugin.migrations:
        return plugin.migrations.split(".")[0]
    if plugin.translations:
        return plugin.translations[0]
    return module.split(".")[0] if module else None


def build_environment(plugins: Iterable[Plugin]) -> jinja2.Environment:
    """The Jinja environment of the web UI: the web's own templates first, then each plugin's."""
    loaders: dict[str, jinja2.BaseLoader] = {}
    web = template_folder("guanxi_web")
    assert web is not None
    loaders["web"] = jinja2.FileSystemLoader(web)
    for plugin in plugins:
        package = plugin_package(plugin)
        folder = template_folder(package) if package and package != "guanxi_web" else None
        if folder is not None and plugin.slug not in loaders:
            loaders[plugin.slug] = jinja2.FileSystemLoader(folder)
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([*loaders.values(), jinja2.PrefixLoader(loaders, ":")]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
