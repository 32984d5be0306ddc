"""Autogenerate an Alembic revision from the models against a fresh database migrated to every head.

Usage: python deploy/dev/new_migration.py "message" REV_ID [BRANCH_LABEL] [--depends-on REV]
Review the file it writes and keep only the tables of your branch.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from alembic import command

from mailserver import runtime
from mailserver.store import extensions, migrate
from mailserver.store.engine import create_engine
from mailserver.store.schema import metadata


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("message")
    parser.add_argument("rev_id")
    parser.add_argument("branch", nargs="?")
    parser.add_argument("--depends-on")
    parser.add_argument("--version-path", help="folder for the new file (default: the store's versions)")
    args = parser.parse_args()
    extensions.load_all()
    metadatas = [metadata]
    try:
        from directory.models import metadata as directory_metadata

        metadatas.append(directory_metadata)
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
        await migrate.upgrade(engine, runtime.migration_locations())

        def run(conn):  # type: ignore[no-untyped-def]
            cfg = migrate._config(conn, runtime.migration_locations(), metadatas)
            command.revision(
                cfg,
                message=args.message,
                autogenerate=True,
                rev_id=args.rev_id,
                branch_label=args.branch,
                head="base" if args.branch else "heads",
                depends_on=args.depends_on,
                version_path=args.version_path or str(migrate.HERE / "versions"),
            )

        async with engine.begin() as conn:
            await conn.run_sync(run)
        await engine.dispose()


asyncio.run(main())
