"""Fixtures shared by the whole suite: real databases (SQLite always, PostgreSQL when configured) and stores.

`db_url` is parametrised over the backends: every test that takes it runs on SQLite, and on PostgreSQL too
when CADUCEE_TEST_POSTGRES_URL names a server (CI sets it). Each test gets a fresh database, copied from a
migrated template (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from mailserver import runtime
from mailserver.store import Store
from mailserver.store import migrate as store_migrate
from mailserver.store.blobs import BlobCipher, generate_key_file
from mailserver.store.engine import create_engine

POSTGRES_URL = os.environ.get("CADUCEE_TEST_POSTGRES_URL", "")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _admin_url(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


async def _pg_admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await store_migrate.upgrade(engine, runtime.migration_locations())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need CADUCEE_TEST_POSTGRES_URL (CI sets it)")
    name = f"caducee_tpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate(_admin_url(POSTGRES_URL, name)))
    yield name
    asyncio.run(_pg_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL (in configuration form) on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "caducee.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"caducee_t_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(POSTGRES_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _admin_url(POSTGRES_URL, name)
    asyncio.run(_pg_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def blob_keys(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "blob.keys"
    generate_key_file(path)
    return path


@pytest.fixture
async def store(db_url: str, blob_keys: Path) -> AsyncIterator[Store]:
    """A Store on a fresh database with the domains `example.test` and `patient.example.test`."""
    s = Store.build(create_engine(db_url), BlobCipher.from_file(blob_keys))
    await s.accounts.ensure_domain("example.test", "professional")
    await s.accounts.ensure_domain("patient.example.test", "patient")
    yield s
    await s.close()
