"""`guanxi_sdk.__all__` is the plugin authors' contract: exactly these names, all importable."""

from __future__ import annotations

import guanxi_sdk

CONTRACT = {
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
}


def test_the_sdk_exports_exactly_its_contract() -> None:
    assert set(guanxi_sdk.__all__) == CONTRACT
    for name in guanxi_sdk.__all__:
        assert getattr(guanxi_sdk, name) is not None, name


def test_public_names_not_in_the_contract_are_not_exported() -> None:
    public = {n for n in vars(guanxi_sdk) if not n.startswith("_")} - {"annotations"}
    assert public <= CONTRACT
