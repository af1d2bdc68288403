"""A plugin whose import fails, as when a dependency is missing."""

raise ImportError("No module named 'lunar_calendar'")
