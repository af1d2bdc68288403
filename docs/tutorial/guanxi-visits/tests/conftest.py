"""The SDK's pytest kit gives the fixtures; this plugin is the one under test."""

# --8<-- [start:conftest]
import pytest
from guanxi_sdk import Plugin

from guanxi_visits import plugin


@pytest.fixture
def guanxi_plugins() -> list[Plugin]:
    """Register and enable this plugin (beside the core and the web) in every test."""
    return [plugin]


# --8<-- [end:conftest]
