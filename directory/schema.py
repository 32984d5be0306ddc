"""Whether the directory's tables exist, and creating them without Alembic for tests and throw-away databases.

Production databases get the tables from the Alembic branch `directory` (migrations/versions), upgraded by the
store's migration environment. Never drops anything.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.models import metadata


async def has_schema(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return set(metadata.tables) <= names


async def create_schema(engine: AsyncEngine) -> None:
    """Create the tables that are missing (tests, demos). Migrated databases never need it."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
