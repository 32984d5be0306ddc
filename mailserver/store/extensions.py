"""The closed list of store modules that add tables to `schema.metadata` (each with its own migration branch).

Importing this module registers every table, so the migration tests and autogeneration see the whole schema.
Add one line per module; never import a protocol or a service here.
"""

from __future__ import annotations

import importlib

EXTENSIONS: tuple[str, ...] = ("queue",)


def load_all() -> None:
    for name in EXTENSIONS:
        importlib.import_module(f"mailserver.store.{name}")
