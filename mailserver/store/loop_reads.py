"""Point reads run on the event loop itself (SQLite): a few rows by key, without aiosqlite's thread hand-overs.

Owns `LoopReader`. Through SQLAlchemy's async layer and aiosqlite, every step of a read (checkout, BEGIN,
execute, fetch, rollback) is a hand-over to the connection's thread and back: one `SELECT … WHERE id = ?` on the
folders table cost 1.35 ms back to back and 2.4 ms after a pause of the client (measured at 100,000 messages on
this machine), most of a warm SELECT; on a plain sqlite3 connection in the loop's thread it takes microseconds
(0.3 ms after a pause). So statements that read a handful of rows by key run here synchronously.

Safe on the loop because, in WAL mode, a reader never waits for the writer; and the connection never waits for
a lock at all (busy_timeout 0, query_only): should SQLite answer BUSY (WAL recovery after a crash), the read goes
the async way. Never for a statement that may scan: it would block every session of the process. PostgreSQL
reads always go the async way (a network round trip either way).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Row, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import Executable

from mailserver.store.engine import configure_sqlite


def _never_wait(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")  # after the engine's pragmas (listeners run in order)
    cursor.execute("PRAGMA query_only=1")
    cursor.close()


class LoopReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            # One connection: the loop runs one read at a time, to its end, without yielding.
            self._sync = create_engine(engine.url.set(drivername="sqlite"), pool_size=1, max_overflow=0)
            configure_sqlite(self._sync)
            event.listen(self._sync, "connect", _never_wait)

    async def all(self, stmt: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        """The rows of `stmt`: on the loop when the store is SQLite, else (or when SQLite is busy) async."""
        if self._sync is not None:
            try:
                with self._sync.connect() as conn:
                    return conn.execute(stmt, dict(params)).all()
            except OperationalError as exc:
                if not _busy(exc):
                    raise
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt, dict(params))).all()

    async def first(self, stmt: Executable, params: Mapping[str, Any]) -> Row[Any] | None:
        rows = await self.all(stmt, params)
        return rows[0] if rows else None

    def close(self) -> None:
        if self._sync is not None:
            self._sync.dispose()


def _busy(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(exc.orig, sqlite3.OperationalError) and code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
