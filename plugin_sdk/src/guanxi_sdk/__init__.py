"""The Guanxi plugin SDK: everything a plugin author imports, and nothing else.

`__all__` is the contract; it follows semantic versioning (`SDK_VERSION`).
"""

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
    NotFoundError,
    PageSpec,
    PanelSpec,
    Permission,
    PermissionDenied,
    Plugin,
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
)

SDK_VERSION = "0.1.0"

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
    "NotFoundError",
    "PageSpec",
    "PanelSpec",
    "Permission",
    "PermissionDenied",
    "Plugin",
    "Record",
    "Redirect",
    "Role",
    "Screen",
    "Transition",
    "ValidationError",
    "Workflow",
    "WorkflowError",
    "_",
    "hookimpl",
]
