"""The Guanxi plugin SDK: everything a plugin author imports, and nothing else.

```python
from guanxi_sdk import ActivityKind, CustomerExtension, Field, Plugin, Screen, _

plugin = Plugin(slug="vip", title=_("Restaurant VIP"), requires_core=">=1,<2")
```

What is here: the plugin object and hook marker (`Plugin`, `hookimpl`); extension tables and
their fields (`CustomerExtension`, `ActivityExtension`, `Field`); activity kinds, permissions,
roles and workflows; screens (`Screen`, `PageSpec`, `PanelSpec`, `Redirect`; pages with
`nav=True` are navigation items); jobs (`JobSpec`, `@plugin.job`); the services a handler gets
(`Context`, `Record`, `Page`, `Filter`, `Actor`); translations (`_`, `ngettext`, `translate`);
and the exceptions a plugin may raise or catch. Tests get fixtures from the pytest plugin
`guanxi_sdk.pytest_plugin`, registered automatically when guanxi-sdk is installed.

Versioning policy
-----------------
`__all__` is the contract: the names listed there, with their documented parameters,
attributes and behaviour. Modules whose names start with an underscore, and anything imported
from `guanxi_core` or `guanxi_web` directly, are not part of it and may change in any release.
`SDK_VERSION` follows semantic versioning (MAJOR.MINOR.PATCH):

- PATCH releases fix bugs; the contract does not change.
- MINOR releases add names, optional parameters and attributes; code written for an earlier
  minor release of the same major keeps working.
- MAJOR releases may remove or change names. A name is never removed without warning: it is
  first deprecated in a minor release (it still imports, with a `DeprecationWarning` naming
  its replacement and the release that removes it; see `deprecated_alias`) and removed no
  earlier than the next major release.
- Before 1.0, a minor release (0.x) counts as a major one.

A plugin states the range it was written for in its dependencies (`guanxi-sdk>=1.2,<2`) and
the core versions it supports in `Plugin(requires_core=...)`.
"""

import typing as _typing

from guanxi_core import (
    ActivityExtension,
    ActivityKind,
    Actor,
    ConflictError,
    Context,
    CustomerExtension,
    Field,
    FieldError,
    Filter,
    GuanxiError,
    JobSpec,
    LazyText,
    NotFoundError,
    Page,
    PageSpec,
    PanelSpec,
    Permission,
    PermissionDenied,
    Plugin,
    QueryError,
    Record,
    Redirect,
    Role,
    Screen,
    Transition,
    ValidationError,
    Workflow,
    WorkflowError,
    _,
    hookimpl,
    ngettext,
    translate,
)
from guanxi_sdk import _deprecation
from guanxi_sdk._deprecation import deprecated_alias, deprecated_names

SDK_VERSION = "0.1.0"
"""The version of this contract (semantic versioning; see the module's versioning policy)."""

__all__ = [
    "SDK_VERSION",
    "ActivityExtension",
    "ActivityKind",
    "Actor",
    "ConflictError",
    "Context",
    "CustomerExtension",
    "Field",
    "FieldError",
    "Filter",
    "GuanxiError",
    "JobSpec",
    "LazyText",
    "NotFoundError",
    "Page",
    "PageSpec",
    "PanelSpec",
    "Permission",
    "PermissionDenied",
    "Plugin",
    "QueryError",
    "Record",
    "Redirect",
    "Role",
    "Screen",
    "Transition",
    "ValidationError",
    "Workflow",
    "WorkflowError",
    "_",
    "deprecated_alias",
    "deprecated_names",
    "hookimpl",
    "ngettext",
    "translate",
]

_RENAMED: tuple[_deprecation.DeprecatedAlias, ...] = ()
"""Names renamed since 0.1, importable with a warning until their removal release."""

if not _typing.TYPE_CHECKING:  # type checkers report a removed name instead of accepting any name
    __getattr__ = deprecated_names(__name__, *_RENAMED)
