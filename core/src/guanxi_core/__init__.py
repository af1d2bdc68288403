"""Guanxi core: customers, the activity timeline, users and roles, plugins, workflows, migrations.

The names below are the core's public API; `guanxi_sdk` re-exports what plugin authors need.
"""

from importlib.metadata import PackageNotFoundError, version

from guanxi_core.access import Actor, Permission, Role, system_actor
from guanxi_core.app import App, create_app
from guanxi_core.errors import (
    ConflictError,
    FieldError,
    GuanxiError,
    NotFoundError,
    PermissionDenied,
    PluginError,
    QueryError,
    ValidationError,
    WorkflowError,
)
from guanxi_core.fields import ActivityExtension, CustomerExtension, Field, FieldSpec
from guanxi_core.hookspecs import hookimpl
from guanxi_core.i18n import LazyPlural, LazyText, _, ngettext, translate
from guanxi_core.jobs import JobSpec
from guanxi_core.kinds import ActivityKind
from guanxi_core.plugin import Plugin
from guanxi_core.screens import PageSpec, PanelSpec, Redirect, Screen
from guanxi_core.services.context import Context
from guanxi_core.services.records import Filter, Page, Record
from guanxi_core.settings import Settings
from guanxi_core.workflows import Transition, Workflow

try:
    __version__ = version("guanxi-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0"

__all__ = [
    "ActivityExtension",
    "ActivityKind",
    "Actor",
    "App",
    "ConflictError",
    "Context",
    "CustomerExtension",
    "Field",
    "FieldError",
    "FieldSpec",
    "Filter",
    "GuanxiError",
    "JobSpec",
    "LazyPlural",
    "LazyText",
    "NotFoundError",
    "Page",
    "PageSpec",
    "PanelSpec",
    "Permission",
    "PermissionDenied",
    "Plugin",
    "PluginError",
    "QueryError",
    "Record",
    "Redirect",
    "Role",
    "Screen",
    "Settings",
    "Transition",
    "ValidationError",
    "Workflow",
    "WorkflowError",
    "_",
    "__version__",
    "create_app",
    "hookimpl",
    "ngettext",
    "system_actor",
    "translate",
]
