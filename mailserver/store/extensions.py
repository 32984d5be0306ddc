"""The closed list of store modules that add tables to `schema.metadata` (each with its own migration branch).

Importing this module registers every table, so the migration tests and autogeneration see the whole schema.
Add one line per module; never import a protocol or a service here.
"""

from __future__ import annotations

import importlib

EXTENSIONS: tuple[str, ...] = (
    "queue",
    "trust",
    "authlimits",
    "conversations",
    "imap_schema",
)

# Objects a migration creates outside `metadata`, which SQLAlchemy cannot declare on both backends (SQLite FTS5
# virtual tables with their shadow tables, PostgreSQL trigram GIN indexes): their names start with this prefix,
# and the schema-equality test leaves them out.
UNMANAGED_PREFIX = "fts_"


def is_managed(name: str | None) -> bool:
    return not (name or "").startswith(UNMANAGED_PREFIX)


def load_all() -> None:
    for name in EXTENSIONS:
        importlib.import_module(f"mailserver.store.{name}")
