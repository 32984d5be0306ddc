"""The Alembic branch `directory` creates exactly the schema of `directory.models`, on SQLite and PostgreSQL,
and downgrades cleanly. A minimal environment stands in for the store's (which lists both version folders)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import directory
from directory.models import metadata

VERSIONS = Path(directory.__file__).parent / "migrations" / "versions"
ENV = """
from alembic import context
context.configure(connection=context.config.attributes["connection"], target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
"""


def _config(folder: Path, connection: Any) -> Config:
    folder.mkdir(exist_ok=True)
    (folder / "env.py").write_text(ENV)
    (folder / "script.py.mako").write_text("")
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(VERSIONS))
    config.attributes["connection"] = connection
    return config


async def _migrate_and_compare(engine: AsyncEngine, folder: Path) -> None:
    def upgrade(sync: Any) -> list[Any]:
        command.upgrade(_config(folder, sync), "directory@head")
        return compare_metadata(MigrationContext.configure(sync), metadata)

    def downgrade(sync: Any) -> set[str]:
        command.downgrade(_config(folder, sync), "directory@base")
        return set(inspect(sync).get_table_names())

    async with engine.begin() as conn:
        differences = await conn.run_sync(upgrade)
    assert differences == []
    async with engine.begin() as conn:
        remaining = await conn.run_sync(downgrade)
    assert not {t for t in remaining if t.startswith("dir_")}


async def test_migration_creates_the_model_schema_on_sqlite(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await _migrate_and_compare(engine, tmp_path / "alembic")
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_migration_creates_the_model_schema_on_postgresql(tmp_path: Path) -> None:
    url = os.environ.get("CADUCEE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CADUCEE_TEST_POSTGRES_URL is not set")
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await _migrate_and_compare(engine, tmp_path / "alembic")
    finally:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await engine.dispose()
