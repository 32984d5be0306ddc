"""WAL checkpoints leave the delivery commit: the batch writer's connection never checkpoints itself, and the
background checkpointer moves the frames into the database file once the WAL passes its threshold."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from mailserver.store import Store
from mailserver.store.batch_writer import BatchWriter
from mailserver.store.checkpoint import WalCheckpointer


def _wal_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # as the batch writer's
    conn.execute("CREATE TABLE t (x BLOB)")
    return conn


def test_frames_reach_the_database_file_once_the_wal_passes_the_threshold(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    conn = _wal_database(path)
    checkpoints = WalCheckpointer(str(path), wal_bytes=256 * 1024)
    try:
        conn.execute("INSERT INTO t VALUES (zeroblob(100000))")
        checkpoints.after_commit()  # under the threshold: nothing to do
        time.sleep(0.2)
        before = path.stat().st_size
        for _ in range(4):
            conn.execute("INSERT INTO t VALUES (zeroblob(100000))")
        checkpoints.after_commit()
        deadline = time.monotonic() + 10
        while path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > 5 * 100_000 > before  # the rows are in the database file now
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (5,)
    finally:
        checkpoints.close()
        conn.close()


def test_a_missing_wal_or_a_closed_checkpointer_is_no_error(tmp_path: Path) -> None:
    checkpoints = WalCheckpointer(str(tmp_path / "none.db"), wal_bytes=1)
    checkpoints.after_commit()  # no WAL file
    checkpoints.close()
    conn = _wal_database(tmp_path / "none.db")
    conn.execute("INSERT INTO t VALUES (zeroblob(1000))")
    checkpoints.after_commit()  # after close: queued nowhere, never raises
    conn.close()


async def test_the_batch_writer_connection_never_checkpoints_itself(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        return  # PostgreSQL has no WAL file of ours to checkpoint
    batches = BatchWriter(store.engine)
    try:
        assert await batches.run(lambda conn: conn.execute(text("PRAGMA wal_autocheckpoint")).scalar()) == 0
    finally:
        batches.close()
