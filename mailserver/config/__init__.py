"""Typed, documented settings (TOML), validated at start. See `schema` for every key.

Nothing here reads a global or the environment: the runtime loads the file and passes `Settings` to constructors.
"""

from __future__ import annotations

from pathlib import Path

from mailserver.config.loader import load
from mailserver.config.render import example, format_value, get_value, render, set_value
from mailserver.config.schema import Settings

__all__ = ["Settings", "example", "format_value", "get_value", "load", "render", "resolve_path", "set_value"]


def resolve_path(settings: Settings, value: str) -> Path:
    """A path from the configuration, resolved against the folder of the configuration file."""
    p = Path(value)
    return p if p.is_absolute() else Path(settings.base_dir) / p
