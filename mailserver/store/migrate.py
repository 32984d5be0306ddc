"""Schema migrations (Alembic), shared by SQLite and PostgreSQL.

Owns running Alembic programmatically on one of our engines. The store's revisions live in
`migrations/versions` (branch "mail"); other components (the directory) keep their own branch in their own
version folder, handed in by the runtime, and `upgrade` brings every branch to its head.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.engine import writer

HERE = Path(__file__).parent / "migrations"


def _config(connection: Connection | None, locations: Sequence[Path], metadata: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in [HERE / "versions", *locations]))
    cfg.attributes["connection"] = connection
    cfg.attributes["target_metadata"] = metadata
    return cfg


async def upgrade(engine: AsyncEngine, extra_locations: Sequence[Path] = ()) -> None:
    """Bring every migration branch to its head."""

    def run(conn: Connection) -> None:
        command.upgrade(_config(conn, extra_locations), "heads")

    async with writer(engine).begin() as conn:
        await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str, extra_locations: Sequence[Path] = ()) -> None:
    """Take the schema back to `revision` (a rollback), in one transaction: a refused step changes nothing."""

    def run(conn: Connection) -> None:
        command.downgrade(_config(conn, extra_locations), revision)

    async with writer(engine).begin() as conn:
        await conn.run_sync(run)


async def pending(engine: AsyncEngine, extra_locations: Sequence[Path] = ()) -> list[str]:
    """Revisions not yet applied (empty when the schema is current)."""

    def check(conn: Connection) -> list[str]:
        script = ScriptDirectory.from_config(_config(conn, extra_locations))

        # One head at a time: a branch that `depends_on` another overlaps it, and Alembic then records only the
        # dependent head in its version table, so compare everything below the heads on each side.
        def below(heads: set[str]) -> list[str]:
            seen: dict[str, None] = {}
            for head in heads:
                seen.update((rev.revision, None) for rev in script.iterate_revisions(head, "base"))
            return list(seen)

        applied = set(below(set(MigrationContext.configure(conn).get_current_heads())))
        return [rev for rev in below(set(script.get_heads())) if rev not in applied]

    async with engine.connect() as conn:
        return await conn.run_sync(check)
