"""Plugins that tests of the command line pretend are installed (through fake entry points)."""
