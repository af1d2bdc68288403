"""Migrations of the fake `vip` plugin."""
