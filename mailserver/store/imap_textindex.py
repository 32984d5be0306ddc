"""Deferred full-text indexing of message text: delivery commits first, the trigram index follows.

Owns the watermark `fts_text_progress.upto` and the indexer that advances it. Every `message_text` and
`message_search` row whose message id is at or below the watermark is in the FTS5 tables `fts_message_text` and
`fts_message_search`; rows above it are not yet (migrations 0310 and 0350 make the triggers conditional on the
watermark, so a row written at or below it, e.g. the search row of a message the outbound queue stored earlier,
is indexed at once). SEARCH stays exact meanwhile: `imap_search_sql` tests the rows above the watermark with
instr() (the brute-force tail, Dovecot-style).

Why: the trigram index of a message's text costs about 0.2 ms per KB of text in SQLite (15 ms for a 100 KB
body, measured), inside the delivery transaction that was most of the time before each `250`. SQLite assigns
message ids in commit order (one writer at a time), so a watermark never skips an uncommitted row.

PostgreSQL: ids commit out of order (several writers), so no watermark: a delivery writes its text rows with
`pending` true, outside the partial pg_trgm GIN indexes (migration 0330); `index_chunk_postgres` clears the flag
on the oldest pending rows it can lock, which puts them in the indexes. SEARCH tests pending rows without the index
(`imap_search_sql`). Measured before: with the GIN indexes maintained in the delivery transaction, 100 KB messages
stored at 146 msg/s (two processes); without them, 399 msg/s.

The indexer runs in the store's writer thread between delivery batches: when deliveries have paused for
`QUIET` seconds, or at once when the unindexed backlog grows past `BACKLOG_CHARS` (then in small chunks, so a
delivery batch waits at most one chunk). Index transactions commit without their own fsync (WAL,
synchronous=NORMAL): the next durable commit flushes them; a crash before that loses the chunk and its
watermark together, and the indexer redoes it. Never reads or logs message content outside SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection, text

log = logging.getLogger("caducee.store")

PROGRESS_TABLE = "fts_text_progress"
QUIET = 0.05  # seconds without a delivery before indexing starts
# Past this much unindexed text (per serving process), index between delivery batches even when busy. It bounds
# the brute-force tail SEARCH reads: instr() went through 0.7-1.2 GB of text a second here, so two workers at the
# bound cost a text SEARCH about a second more. Below it, a burst of deliveries is never slowed by indexing: at
# 575 msg/s of 100 KB (two workers), this is about 18 s; past it, indexing between batches brought SQLite's ingest
# down to 234-259 msg/s and PostgreSQL's to 344-384 (5 s windows), the rate at which the indexes keep up.
BACKLOG_CHARS = 512 * 1024 * 1024
BUSY_CHUNK_CHARS = 64 * 1024  # text indexed per transaction while deliveries go on
IDLE_CHUNK_CHARS = 1024 * 1024  # ... and while they pause
MAX_CHUNK_ROWS = 500
RETRY_AFTER = 1.0  # seconds, after a failed chunk

_UPTO = f"SELECT upto FROM {PROGRESS_TABLE}"  # noqa: S608 (constant)
# The message's size stands for its text's: length() of the text itself would read every overflow page.
_PENDING = (
    "SELECT t.message_id, m.size FROM message_text t JOIN messages m ON m.id = t.message_id "
    "WHERE t.message_id > ? ORDER BY t.message_id LIMIT ?"
)
_INDEX = (
    "INSERT INTO fts_message_text(rowid, header_text, body_text) "
    "SELECT message_id, header_text, body_text FROM message_text WHERE message_id > ? AND message_id <= ?"
)
_INDEX_FIELDS = (
    "INSERT INTO fts_message_search(rowid, from_field, to_field, cc_field, bcc_field, subject_field) "
    "SELECT message_id, from_field, to_field, cc_field, bcc_field, subject_field FROM message_search "
    "WHERE message_id > ? AND message_id <= ?"
)
_ADVANCE = f"UPDATE {PROGRESS_TABLE} SET upto = ?"  # noqa: S608 (constant)


def index_chunk(conn: Connection, budget_chars: int) -> tuple[int, int]:
    """Index the rows after the watermark, oldest first, about `budget_chars` of text (at least one row; the
    messages' sizes are the measure), and move the watermark past them, in the caller's write transaction.
    Returns (rows, size) indexed."""
    upto = conn.exec_driver_sql(_UPTO).scalar_one()
    pending = conn.exec_driver_sql(_PENDING, (upto, MAX_CHUNK_ROWS)).all()
    rows = chars = 0
    last = upto
    for message_id, size in pending:
        if rows and chars + size > budget_chars:
            break
        rows, chars, last = rows + 1, chars + int(size), message_id
    if rows:
        conn.exec_driver_sql(_INDEX, (upto, last))
        conn.exec_driver_sql(_INDEX_FIELDS, (upto, last))
        conn.exec_driver_sql(_ADVANCE, (last,))
    return rows, chars


_PG_PENDING = (
    "SELECT t.message_id, m.size FROM message_text t JOIN messages m ON m.id = t.message_id "
    "WHERE t.pending ORDER BY t.message_id LIMIT :n"
)
# Rows another indexer holds are left to it; a crash before the commit leaves them pending: redone later.
_PG_INDEX = text(
    "UPDATE message_text SET pending = false WHERE message_id IN (SELECT message_id FROM message_text "
    "WHERE message_id = ANY (CAST(:ids AS BIGINT[])) AND pending FOR UPDATE SKIP LOCKED)"
)
_PG_NO_FSYNC = text("SET LOCAL synchronous_commit TO OFF")  # redone if lost: the rows stay pending


def index_chunk_postgres(conn: Connection, budget_chars: int) -> tuple[int, int]:
    """PostgreSQL: put the oldest pending text rows, about `budget_chars` of text (at least one row), into the
    GIN indexes, in the caller's transaction. Returns (rows, size) indexed."""
    pending = conn.execute(text(_PG_PENDING), {"n": MAX_CHUNK_ROWS}).all()
    ids: list[int] = []
    chars = 0
    for message_id, size in pending:
        if ids and chars + size > budget_chars:
            break
        ids.append(int(message_id))
        chars += int(size)
    if not ids:
        return 0, 0
    conn.execute(_PG_NO_FSYNC)
    done = conn.execute(_PG_INDEX, {"ids": ids}).rowcount
    return done, chars if done == len(ids) else chars * done // len(ids)  # 0: another indexer holds them


RunChunk = Callable[[int], Awaitable[tuple[int, int]]]


class TextIndexer:
    """Advances the watermark in the background of one process; several processes share the work safely (each
    chunk reads the watermark inside its write transaction)."""

    def __init__(self, run_chunk: RunChunk, busy: Callable[[], bool]) -> None:
        self._run_chunk = run_chunk
        self._busy = busy  # deliveries pending or very recent
        self._backlog = 0  # text characters delivered by this process and not yet indexed (an estimate)
        self._task: asyncio.Task[None] | None = None
        self.paused = False  # no background indexing (drain still works): maintenance, and tests of the tail

    def delivered(self, chars: int) -> None:
        self._backlog += chars

    def kick(self) -> None:
        """Make sure the indexer runs (after deliveries, and once at start for what a previous run left)."""
        if not self.paused and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            # Polling on purpose: "busy" is a time since the last delivery, not an event (ASYNC110).
            while self._busy() and self._backlog < BACKLOG_CHARS:  # noqa: ASYNC110
                await asyncio.sleep(QUIET)
            budget = BUSY_CHUNK_CHARS if self._busy() else IDLE_CHUNK_CHARS
            try:
                rows, chars = await self._run_chunk(budget)
            except Exception:
                log.exception("full-text indexing failed; retrying")
                await asyncio.sleep(RETRY_AFTER)
                continue
            if not rows:
                self._backlog = 0
                return
            self._backlog = max(0, self._backlog - chars)

    async def drain(self) -> None:
        """Index everything now (tests, maintenance): returns when the watermark has caught up."""
        while (await self._run_chunk(IDLE_CHUNK_CHARS))[0]:
            pass
        self._backlog = 0

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def stop(self) -> None:
        """Cancel and wait until the indexer has let go of its connection (PostgreSQL: before the pool closes)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
