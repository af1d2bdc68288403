"""`guanxi_sdk.__all__` is the plugin authors' contract: exactly these names, all importable,
all documented; renamed names keep importing with a warning until their removal release."""

from __future__ import annotations

import inspect
import re
import types
import warnings
from importlib.metadata import entry_points, version

import pytest

import guanxi_sdk
from guanxi_sdk import Plugin, deprecated_alias, deprecated_names

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
}

EXCEPTIONS = {
    "GuanxiError",
    "ValidationError",
    "ConflictError",
    "NotFoundError",
    "PermissionDenied",
    "WorkflowError",
    "QueryError",
}


def test_the_sdk_exports_exactly_its_contract() -> None:
    assert set(guanxi_sdk.__all__) == CONTRACT
    assert len(guanxi_sdk.__all__) == len(CONTRACT)
    for name in guanxi_sdk.__all__:
        assert getattr(guanxi_sdk, name) is not None, name


def test_public_names_not_in_the_contract_are_not_exported() -> None:
    public = {
        name
        for name, value in vars(guanxi_sdk).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= CONTRACT


def test_every_exported_object_is_documented() -> None:
    for name in CONTRACT - {"SDK_VERSION"}:
        doc = inspect.getdoc(getattr(guanxi_sdk, name)) or ""
        assert len(doc) > 20, name


def test_the_exceptions_a_plugin_may_raise_share_one_base() -> None:
    for name in EXCEPTIONS:
        assert issubclass(getattr(guanxi_sdk, name), guanxi_sdk.GuanxiError), name


def test_sdk_version_is_semantic_and_the_distributions() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", guanxi_sdk.SDK_VERSION)
    assert version("guanxi-sdk") == guanxi_sdk.SDK_VERSION


def test_the_versioning_policy_is_documented() -> None:
    doc = guanxi_sdk.__doc__ or ""
    assert "Versioning policy" in doc
    assert "deprecated_alias" in doc


def test_the_pytest_kit_is_registered_with_pytest() -> None:
    (kit,) = [ep for ep in entry_points(group="pytest11") if ep.name == "guanxi"]
    assert kit.value == "guanxi_sdk.pytest_plugin"


def test_an_unknown_name_is_an_attribute_error() -> None:
    assert not hasattr(guanxi_sdk, "PluginManager")
    with pytest.raises(AttributeError, match="module 'guanxi_sdk' has no attribute 'Nope'"):
        guanxi_sdk.Nope  # type: ignore[attr-defined]  # noqa: B018


# -- renamed names -----------------------------------------------------------------------------
def renamed_module() -> types.ModuleType:
    module = types.ModuleType("vendor_api")
    module.Plugin = Plugin  # type: ignore[attr-defined]
    module.__getattr__ = deprecated_names(  # type: ignore[method-assign]
        "vendor_api", deprecated_alias("GuanxiPlugin", Plugin, since="1.3", removed_in="2.0")
    )
    return module


def test_a_renamed_name_still_resolves_with_a_warning_naming_replacement_and_removal() -> None:
    module = renamed_module()
    with pytest.warns(DeprecationWarning, match="GuanxiPlugin") as caught:
        assert module.GuanxiPlugin is Plugin
    (warning,) = caught
    assert str(warning.message) == (
        "vendor_api.GuanxiPlugin is deprecated since 1.3 and will be removed in 2.0; "
        "use vendor_api.Plugin instead"
    )
    assert warning.filename == __file__  # points at the caller's line
    with pytest.raises(AttributeError):
        module.Other  # noqa: B018


def test_a_renamed_sdk_name_imports_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    alias = deprecated_alias("OldPlugin", Plugin, since="0.1", removed_in="1.0")
    monkeypatch.setitem(guanxi_sdk.__getattr__.aliases, "OldPlugin", alias)  # type: ignore[attr-defined]
    with pytest.warns(
        DeprecationWarning, match=r"guanxi_sdk\.OldPlugin .* use guanxi_sdk\.Plugin"
    ) as caught:
        from guanxi_sdk import OldPlugin  # type: ignore[attr-defined]
    assert OldPlugin is Plugin
    assert len(caught) == 1
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DeprecationWarning):
            guanxi_sdk.OldPlugin  # type: ignore[attr-defined]  # noqa: B018


def test_the_replacements_name_can_be_given() -> None:
    alias = deprecated_alias(
        "DEFAULT_SLOT", "customer.main", since="1.0", removed_in="2.0", new_name="SLOT_MAIN"
    )
    assert alias.new_name == "SLOT_MAIN"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("Old-Name", Plugin), {"since": "1.0", "removed_in": "2.0"}, "is not an identifier"),
        (
            ("Old", Plugin),
            {"since": "1.0", "removed_in": "1.0"},
            "removed_in must come after since",
        ),
        (("Old", Plugin), {"since": "soon", "removed_in": "2.0"}, "since='soon' is not a version"),
        (("Old", "value"), {"since": "1.0", "removed_in": "2.0"}, "give new_name="),
    ],
)
def test_a_bad_alias_fails_when_declared(
    args: tuple[str, object], kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        deprecated_alias(*args, **kwargs)


def test_an_old_name_given_twice_fails() -> None:
    alias = deprecated_alias("Old", Plugin, since="1.0", removed_in="2.0")
    with pytest.raises(ValueError, match="'Old' is given twice"):
        deprecated_names("vendor_api", alias, alias)
