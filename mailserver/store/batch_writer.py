"""Running a whole write transaction as one synchronous function: the store's hot-path executor.

Owns how group-committed batches reach the database. Through aiosqlite every statement costs several
thread round trips (cursor, execute, fetch, close), which measured here capped delivery near 80 msg/s with the
event loop idle in epoll. So on SQLite a batch runs in ONE dedicated thread on a plain sqlite3 connection, with
the same pragmas and BEGIN IMMEDIATE: one hop per batch. On PostgreSQL it runs under `run_sync` on the asyncpg
connection (each statement is a network round trip anyway). The function must not touch the event loop.
Delivery batches on PostgreSQL use `run_postgres` instead: an async function on the writer's own asyncpg
connection, opened once and kept (no pool checkout, no ping, no ORM layer per statement; see mail_postgres),
whose planner may use index paths only (`WRITER_PLANNER`).

Several serving processes (`caducee serve --workers N`) each have their writer thread on the same SQLite file.
SQLite's busy handler makes a writer that finds the lock taken sleep 1, 2, 5, 10... ms before it tries again,
which turned two workers into less throughput than one. So the writer threads first take an flock on
`<database>-writer.lock`: the kernel hands it over the moment it is released, in the order asked. Writers that
do not take it (aiosqlite connections: IMAP flags, accounts) still wait on SQLite's busy handler, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.checkpoint import WalCheckpointer
from mailserver.store.engine import WRITE_OPTION, configure_sqlite, writer

if TYPE_CHECKING:
    import asyncpg

T = TypeVar("T")


# The writer's statements (mail_postgres) find rows by key, a batch of at most a few hundred at a time. asyncpg
# prepares each statement once per connection and PostgreSQL keeps a generic plan after five runs: planned while
# the tables were small (a new store, or one never analyzed), that plan hashed `deliveries`, `blobs` and `folders`
# after a sequential scan, at every batch, for as long as the connection lived. Measured (two workers, 10 s of 4 KB
# then 10 s of 100 KB, fresh database): 1,088-1,127 and 516-569 msg/s, PostgreSQL 1.15-1.47 ms of CPU per 100 KB
# message, growing with the tables; with these settings, 1,280-1,411 and 733-761 msg/s and 0.41-0.45 ms.
# Forcing custom plans instead re-plans every statement: 1,162-1,167 and 642-665 msg/s.
WRITER_PLANNER = {"enable_seqscan": "off", "enable_hashjoin": "off", "enable_mergejoin": "off"}


def _no_autocheckpoint(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class BatchWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._lock_fd: int | None = None
        self._postgres: asyncpg.Connection | None = None
        self._checkpoints: WalCheckpointer | None = None
        if engine.dialect.name == "sqlite":
            self._sync = create_engine(
                engine.url.set(drivername="sqlite"),
                connect_args={"check_same_thread": False},
                pool_size=1,
                max_overflow=0,
            ).execution_options(**{WRITE_OPTION: True})
            configure_sqlite(self._sync)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="caducee-sqlite-writer")
            database = engine.url.database
            if database and database != ":memory:":
                self._lock_fd = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                # Checkpoints leave the commit path (see checkpoint.py).
                event.listen(self._sync, "connect", _no_autocheckpoint)
                self._checkpoints = WalCheckpointer(database)

    async def run(self, work: Callable[[Connection], T], *, durable: bool = True) -> T:
        """Run `work(conn)` in one write transaction and commit; returns its result after the commit.

        `durable=False` (SQLite) commits without its own fsync (WAL, synchronous=NORMAL): the next durable
        commit flushes it, and a crash before then rolls it back whole. For work that can be redone (indexes).
        """
        if self._sync is None:
            async with writer(self._engine).begin() as conn:
                return await conn.run_sync(work)
        assert self._thread is not None
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._in_thread, work, durable)

    async def run_postgres(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run `work(conn)` in one transaction on the writer's own asyncpg connection and commit; returns its
        result after the commit. A lost connection fails this call and is opened again by the next one."""
        import asyncpg  # the PostgreSQL driver; SQLite deployments never load it

        if self._postgres is None or self._postgres.is_closed():
            dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._postgres = await asyncpg.connect(dsn, server_settings=WRITER_PLANNER)
        conn = self._postgres
        try:
            async with conn.transaction():
                return await work(conn)
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            self._postgres = None
            conn.terminate()
            raise

    @contextlib.contextmanager
    def _process_lock(self) -> Iterator[None]:
        if self._lock_fd is None:
            yield
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _in_thread(self, work: Callable[[Connection], T], durable: bool) -> T:
        try:
            return self._transaction(work, durable)
        finally:
            if self._checkpoints is not None:
                self._checkpoints.after_commit()

    def _transaction(self, work: Callable[[Connection], T], durable: bool) -> T:
        assert self._sync is not None
        with self._process_lock(), self._sync.connect() as conn:
            if durable:
                with conn.begin():
                    return work(conn)
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA synchronous=NORMAL")
            try:
                with conn.begin():
                    return work(conn)
            finally:
                raw.execute("PRAGMA synchronous=FULL")  # DESIGN.md §5, as engine._sqlite_pragmas sets it

    async def aclose(self) -> None:
        """`close`, after the PostgreSQL connection is closed (before the engine is disposed)."""
        if self._postgres is not None:
            conn, self._postgres = self._postgres, None
            await conn.close()
        self.close()

    def close(self) -> None:
        if self._postgres is not None:  # no loop to close it politely: drop it
            self._postgres.terminate()
            self._postgres = None
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._checkpoints is not None:
            self._checkpoints.close()
        if self._sync is not None:
            self._sync.dispose()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
