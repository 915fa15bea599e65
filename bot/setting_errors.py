"""The one exception a bad setting raises: light on purpose, so `salesbot --help` and argument errors
import neither pydantic-settings nor SQLAlchemy (bot/config.py re-exports it)."""

from __future__ import annotations


class SettingsError(Exception):
    """A setting is missing or malformed; the message is the one line shown to the user."""
