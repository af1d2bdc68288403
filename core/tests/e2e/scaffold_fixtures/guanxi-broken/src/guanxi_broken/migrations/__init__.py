"""Revisions of the broken plugin's tables."""
