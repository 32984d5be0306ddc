"""Point reads on the event loop (SQLite): the same rows as the async way, and never a wait on the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import bindparam, select, text

from mailserver.store import Store
from mailserver.store.engine import create_engine
from mailserver.store.loop_reads import LoopReader
from mailserver.store.schema import folders

_FOLDER = select(folders.c.id, folders.c.name, folders.c.uidnext).where(folders.c.id == bindparam("id"))


async def _async_first(store: Store, folder_id: int) -> tuple[object, ...] | None:
    async with store.engine.connect() as conn:
        row = (await conn.execute(_FOLDER, {"id": folder_id})).first()
    return None if row is None else tuple(row)


async def test_rows_are_those_the_async_way_reads(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    inbox = next(f for f in await store.mail.folders_of(box.id) if f.name == "INBOX")
    reads = LoopReader(store.engine)
    try:
        row = await reads.first(_FOLDER, {"id": inbox.id})
        assert row is not None and tuple(row) == await _async_first(store, inbox.id)
        assert row.name == "INBOX"  # a Row, with the result processing of the async way
        assert await reads.first(_FOLDER, {"id": -1}) is None
    finally:
        reads.close()


async def test_a_locked_sqlite_database_sends_the_read_the_async_way(tmp_path: Path) -> None:
    """A lock the loop's connection cannot take at once (here another connection's exclusive lock) never blocks
    the loop: the read waits in aiosqlite's thread instead, and the loop serves other work meanwhile."""
    engine = create_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        await conn.execute(text("INSERT INTO t VALUES (1, 'one')"))
    await engine.dispose()  # no pooled connection left: the holder below can lock the file alone
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    reads = LoopReader(engine)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        read = asyncio.create_task(reads.first(text("SELECT name FROM t WHERE id = :id"), {"id": 1}))
        for _ in range(20):  # the loop keeps running while the read waits
            await asyncio.sleep(0.01)
        assert not read.done()
        holder.execute("COMMIT")
        holder.close()  # releases the exclusive lock
        row = await asyncio.wait_for(read, 10)
        assert row is not None and row.name == "one"
    finally:
        holder.close()
        reads.close()
        await engine.dispose()
