"""Database engines for the two backends: SQLite (embedded default) and PostgreSQL (shared production store).

Owns URL mapping and connection settings. SQLite runs in WAL mode with `synchronous=FULL`, so a committed
transaction survives a power cut (the durability contract of DESIGN.md §5). Never used outside `store/`
and `directory/` (the runtime hands the engine over).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def async_url(url: str, base_dir: str | Path = ".") -> str:
    """Map a configuration URL to its asyncio driver URL; relative SQLite paths resolve against `base_dir`."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_absolute():
            path = Path(base_dir) / path
        return f"sqlite+aiosqlite:///{path}"
    if url.startswith("sqlite+aiosqlite://"):
        return url
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    raise ValueError(f"unsupported database URL scheme: {make_url(url).drivername}")


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only: it holds patient data (least privilege)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event, not the driver, start transactions (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # DESIGN.md §5: a 250 means the message is on disk
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str, base_dir: str | Path = ".", *, pool_size: int = 10) -> AsyncEngine:
    """An AsyncEngine for `url` as written in the configuration (`store.url`)."""
    target = async_url(url, base_dir)
    if target.startswith("sqlite"):
        path = Path(target.removeprefix("sqlite+aiosqlite:///"))
        _private_file(path)
        engine = create_async_engine(target, pool_size=pool_size, max_overflow=pool_size)
        configure_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(target, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def configure_sqlite(engine: Engine) -> None:
    """Pragmas on every new connection, and BEGIN IMMEDIATE for writers (see `_begin`)."""
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin)


def _begin(conn: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) and so wait on busy_timeout instead of failing
    # on a lock upgrade; readers use a deferred snapshot and never block writers (WAL).
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


WRITE_OPTION = "caducee_write"


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The engine to open write transactions with (`async with writer(engine).begin() as conn`)."""
    return engine.execution_options(**{WRITE_OPTION: True})
