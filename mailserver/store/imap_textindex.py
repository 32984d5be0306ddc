"""Deferred full-text indexing of message text: delivery commits first, the body text and the index follow.

Owns the watermark `fts_text_progress.upto`, the extraction of the body text and the indexer that advances the
watermark. A delivery writes its `message_text` row `pending`: header text, but no body text yet. The indexer
reads the pending messages' blobs, extracts their readable text (`imap_index.search_text`), stores it and clears
`pending`, then puts the rows in the index, in one transaction a chunk. SEARCH stays exact meanwhile: it tests
a pending message's body against the text extracted from its blob (`imap_search`).

SQLite: every `message_text` and `message_search` row whose message id is at or below the watermark is in the
FTS5 tables `fts_message_text` and `fts_message_search`; rows above it are not yet (migrations 0310 and 0350
make the triggers conditional on the watermark, so a row written at or below it, e.g. the search row of a message
the outbound queue stored earlier, is indexed at once, with an empty body until its text is extracted, which
re-indexes it through the update trigger). `imap_search_sql` tests the rows above the watermark with instr() (the
brute-force tail, Dovecot-style). SQLite assigns message ids in commit order (one writer at a time), so a
watermark never skips an uncommitted row.

PostgreSQL: ids commit out of order (several writers), so no watermark: `pending` rows are outside the partial
pg_trgm GIN indexes (migration 0330); `index_chunk_postgres` extracts the text of the oldest pending rows it can
lock and clears the flag, which puts them in the indexes.

Why: the trigram index of a message's text costs about 0.2 ms per KB of text in SQLite (15 ms for a 100 KB
body, measured), inside the delivery transaction that was most of the time before each `250`; with the GIN
indexes maintained in the delivery transaction, PostgreSQL stored 100 KB messages at 146 msg/s (two processes),
without them 399 msg/s. Extracting and storing the body text in the delivery was then a third of the server's
CPU at 100 KB (see `imap_index`).

The indexer runs in the store's writer thread between delivery batches: when deliveries have paused for
`QUIET` seconds, or at once when the unindexed backlog grows past `BACKLOG_OCTETS` (then in small chunks, so a
delivery batch waits at most one chunk). Index transactions commit without their own fsync (WAL,
synchronous=NORMAL; PostgreSQL: synchronous_commit off): the next durable commit flushes them; a crash before
that loses the chunk (and its watermark) together, and the indexer redoes it. A blob that cannot be opened
(its key is gone, it was tampered with) gets an empty body text and a log line naming the message id. Reads
message content only to extract its text; never logs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Connection, text

log = logging.getLogger("caducee.store")

PROGRESS_TABLE = "fts_text_progress"
QUIET = 0.05  # seconds without a delivery before indexing starts
# Past this many octets of messages delivered and not yet indexed (per serving process), index between delivery
# batches even when busy. It bounds the tail SEARCH reads without the index: a body test extracts the text of the
# searched folder's pending messages from their blobs (`imap_search`), 180-420 MB of message a second here
# (`search_text` of 100 KB: 240 us for the benchmark's Latin filler, 0.9 ms for 160 KB of varied French words).
# Below it, a burst of deliveries is never slowed by indexing: at 1,000 msg/s of 100 KB (two workers), this is
# about 10 s; past it, indexing between batches brought SQLite's ingest down to 234-259 msg/s and PostgreSQL's
# to 344-384 (5 s windows, before the text was extracted after the commit), the rate at which the indexes keep up.
BACKLOG_OCTETS = 512 * 1024 * 1024
BUSY_CHUNK_OCTETS = 64 * 1024  # messages (by size) indexed per transaction while deliveries go on
IDLE_CHUNK_OCTETS = 1024 * 1024  # ... and while they pause
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
# Pending text at or below the watermark: search rows added later for messages stored earlier (the outbound
# queue's, a backfill). Their header text is indexed already (the insert trigger), their body follows here.
_PENDING_BELOW = (
    "SELECT t.message_id, m.size FROM message_text t JOIN messages m ON m.id = t.message_id "
    "WHERE t.pending AND t.message_id <= ? ORDER BY t.message_id LIMIT ?"
)
_BLOBS = (
    "SELECT t.message_id, b.data, b.sha256 FROM message_text t JOIN messages m ON m.id = t.message_id "
    "JOIN blobs b ON b.id = m.blob_id WHERE t.pending AND t.message_id >= ? AND t.message_id <= ?"
)
_FILL = "UPDATE message_text SET body_text = ?, pending = 0 WHERE message_id = ?"

Extract = Callable[[bytes, bytes], str]  # a sealed blob's data and content hash -> the message's search text


def extracted(extract: Extract, message_id: int, data: bytes, sha256: bytes) -> str:
    """The search text of one pending message; an empty text, logged, when its blob cannot be opened."""
    try:
        return extract(bytes(data), bytes(sha256))
    except Exception:  # a key withdrawn, a tampered blob: the message cannot be read at all, nor searched
        log.exception("message %d: its text cannot be extracted for search; indexed without it", message_id)
        return ""


def _take(pending: Sequence[Any], budget: int) -> tuple[int, int, int]:
    """How many of the (message id, size) rows fit in the budget (at least one): (rows, size, last id)."""
    rows = octets = last = 0
    for message_id, size in pending:
        if rows and octets + size > budget:
            break
        rows, octets, last = rows + 1, octets + int(size), int(message_id)
    return rows, octets, last


def _fill(conn: Connection, first: int, last: int, extract: Extract) -> None:
    """Extract and store the body text of the pending rows with ids in [first, last]."""
    blobs = conn.exec_driver_sql(_BLOBS, (first, last)).all()
    if blobs:
        texts = [(extracted(extract, mid, data, sha), mid) for mid, data, sha in blobs]
        conn.exec_driver_sql(_FILL, texts)


def index_chunk(conn: Connection, budget: int, extract: Extract) -> tuple[int, int]:
    """Extract the body text of the rows after the watermark, oldest first, about `budget` octets of messages (at
    least one row), index them and move the watermark past them, in the
    caller's write transaction; or, when none is left there, extract the pending text below the watermark.
    Returns (rows, size) done."""
    upto = conn.exec_driver_sql(_UPTO).scalar_one()
    rows, octets, last = _take(conn.exec_driver_sql(_PENDING, (upto, MAX_CHUNK_ROWS)).all(), budget)
    if rows:
        _fill(conn, upto + 1, last, extract)  # before the index reads it
        conn.exec_driver_sql(_INDEX, (upto, last))
        conn.exec_driver_sql(_INDEX_FIELDS, (upto, last))
        conn.exec_driver_sql(_ADVANCE, (last,))
        return rows, octets
    rows, octets, last = _take(conn.exec_driver_sql(_PENDING_BELOW, (upto, MAX_CHUNK_ROWS)).all(), budget)
    if rows:
        _fill(conn, 0, last, extract)  # the update trigger re-indexes each row with its text
    return rows, octets


_PG_PENDING = (
    "SELECT t.message_id, m.size FROM message_text t JOIN messages m ON m.id = t.message_id "
    "WHERE t.pending ORDER BY t.message_id LIMIT :n"
)
# Rows another indexer holds are left to it; a crash before the commit leaves them pending: redone later.
_PG_LOCK = text(
    "SELECT t.message_id, b.data, b.sha256 FROM message_text t JOIN messages m ON m.id = t.message_id "
    "JOIN blobs b ON b.id = m.blob_id WHERE t.message_id = ANY (CAST(:ids AS BIGINT[])) AND t.pending "
    "FOR UPDATE OF t SKIP LOCKED"
)
_PG_FILL = text(
    "UPDATE message_text t SET body_text = v.body_text, pending = false "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:texts AS TEXT[])) AS v (message_id, body_text) "
    "WHERE t.message_id = v.message_id"
)
_PG_NO_FSYNC = text("SET LOCAL synchronous_commit TO OFF")  # redone if lost: the rows stay pending


def index_chunk_postgres(conn: Connection, budget: int, extract: Extract) -> tuple[int, int]:
    """PostgreSQL: extract the body text of the oldest pending rows, about `budget` octets of messages (at least
    one row), which puts them into the GIN indexes, in the caller's transaction. Returns (rows, size) done."""
    pending = conn.execute(text(_PG_PENDING), {"n": MAX_CHUNK_ROWS}).all()
    rows, octets, _ = _take(pending, budget)
    if not rows:
        return 0, 0
    conn.execute(_PG_NO_FSYNC)
    locked = conn.execute(_PG_LOCK, {"ids": [int(r[0]) for r in pending[:rows]]}).all()
    if locked:
        texts = [extracted(extract, mid, data, sha) for mid, data, sha in locked]
        conn.execute(_PG_FILL, {"ids": [int(r[0]) for r in locked], "texts": texts})
    done = len(locked)
    return done, octets if done == rows else octets * done // rows  # 0: another indexer holds them


RunChunk = Callable[[int], Awaitable[tuple[int, int]]]  # budget in octets -> (rows, octets) done


class TextIndexer:
    """Advances the watermark in the background of one process; several processes share the work safely (each
    chunk reads the watermark inside its write transaction)."""

    def __init__(self, run_chunk: RunChunk, busy: Callable[[], bool]) -> None:
        self._run_chunk = run_chunk
        self._busy = busy  # deliveries pending or very recent
        self._backlog = 0  # octets of messages delivered by this process and not yet indexed (an estimate)
        self._task: asyncio.Task[None] | None = None
        self.paused = False  # no background indexing (drain still works): maintenance, and tests of the tail

    def delivered(self, octets: int) -> None:
        self._backlog += octets

    def kick(self) -> None:
        """Make sure the indexer runs (after deliveries, and once at start for what a previous run left)."""
        if not self.paused and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            # Polling on purpose: "busy" is a time since the last delivery, not an event (ASYNC110).
            while self._busy() and self._backlog < BACKLOG_OCTETS:  # noqa: ASYNC110
                await asyncio.sleep(QUIET)
            budget = BUSY_CHUNK_OCTETS if self._busy() else IDLE_CHUNK_OCTETS
            try:
                rows, octets = await self._run_chunk(budget)
            except Exception:
                log.exception("full-text indexing failed; retrying")
                await asyncio.sleep(RETRY_AFTER)
                continue
            if not rows:
                self._backlog = 0
                return
            self._backlog = max(0, self._backlog - octets)

    async def drain(self) -> None:
        """Index everything now (tests, maintenance): returns when the watermark has caught up."""
        while (await self._run_chunk(IDLE_CHUNK_OCTETS))[0]:
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
