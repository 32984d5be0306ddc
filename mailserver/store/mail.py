"""Storing and reading messages: delivery with group commit, APPEND, blob reads, and the change feed.

Owns the durability contract (DESIGN.md §5): `deliver` returns only after the transaction holding the message
has committed. Concurrent deliveries share one transaction (group commit); each caller is answered after that
commit. A message is stored once by content hash, with one row per recipient folder; a redelivery of the same
bytes to the same mailbox is recognised and not stored twice. Sealing (compression and encryption) happens
before the transaction, never inside it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.errors import NotFound
from mailserver.message import MessageSummary, to_json
from mailserver.store.batch_writer import BatchWriter
from mailserver.store.blobs import BlobCipher, SealedBlob
from mailserver.store.imap_index import SearchRow, search_row, split_row
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imap_textindex import QUIET, TextIndexer, index_chunk, index_chunk_postgres
from mailserver.store.prepared import Runner, runner
from mailserver.store.records import Delivered, Folder
from mailserver.store.schema import blobs, deliveries, expunged, folder_messages, folders, messages

# The delivery transaction's statements, built once: constructing a statement per execute cost more than
# SQLite executing it (measured: two thirds of the writer thread's time).
_SEEN = (
    select(folder_messages.c.folder_id, folder_messages.c.uid, folder_messages.c.modseq)
    .select_from(deliveries)
    .outerjoin(folder_messages, deliveries.c.folder_message_id == folder_messages.c.id)
    .where((deliveries.c.mailbox_id == bindparam("mid")) & (deliveries.c.digest == bindparam("digest")))
)
_FORGET = deliveries.delete().where(
    (deliveries.c.mailbox_id == bindparam("mid")) & (deliveries.c.digest == bindparam("digest"))
)
_NEXT_UID = (
    update(folders)
    .where((folders.c.mailbox_id == bindparam("mid")) & (folders.c.name == bindparam("fname")))
    .values(uidnext=folders.c.uidnext + 1, highestmodseq=folders.c.highestmodseq + 1)
    .returning(folders.c.id, folders.c.uidnext, folders.c.highestmodseq)
)
_INSERT_FOLDER_MESSAGE = folder_messages.insert()
_INSERT_DELIVERY = deliveries.insert()
_MESSAGE_BY_HASH = (
    select(messages.c.id).join(blobs, blobs.c.id == messages.c.blob_id).where(blobs.c.sha256 == bindparam("sha"))
)
_HAS_SEARCH_ROW = select(message_search.c.message_id).where(message_search.c.message_id == bindparam("id"))
_INSERT_BLOB = blobs.insert()
_INSERT_MESSAGE = messages.insert()
_INSERT_SEARCH = message_search.insert()
_INSERT_TEXT = message_text.insert()


def _insert_search_row(run: Runner, message_id: int, row: SearchRow) -> None:
    fields, text_values = split_row(message_id, row)
    run.run(_INSERT_SEARCH, fields)
    run.run(_INSERT_TEXT, text_values)


# PostgreSQL: the whole batch in a handful of statements, each taking its rows as arrays (one round trip, and one
# SQL text, prepared once per connection, whatever the batch size). Built from the tables' columns, never from data.
_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def _pg_arrays(table: Table, columns: tuple[str, ...]) -> str:
    casts = (f"CAST(:{c} AS {table.c[c].type.compile(dialect=_PG)}[])" for c in columns)
    return f"unnest({', '.join(casts)})"


def _pg_insert(table: Table, columns: tuple[str, ...], returning: tuple[str, ...] = ()) -> TextClause:
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM {_pg_arrays(table, columns)}"  # noqa: S608
    return text(sql + (f" RETURNING {', '.join(returning)}" if returning else ""))


_PG_PAIRS = "unnest(CAST(:mailbox_id AS BIGINT[]), CAST(:digest AS BYTEA[])) AS p (mailbox_id, digest)"
_PG_SEEN = text(
    "SELECT p.mailbox_id, p.digest, fm.folder_id, fm.uid, fm.modseq "  # noqa: S608 (constant)
    f"FROM {_PG_PAIRS} JOIN deliveries d ON d.mailbox_id = p.mailbox_id AND d.digest = p.digest "
    "LEFT JOIN folder_messages fm ON fm.id = d.folder_message_id"
)
_PG_FORGET = text(
    f"DELETE FROM deliveries d USING {_PG_PAIRS} "  # noqa: S608 (constant)
    "WHERE d.mailbox_id = p.mailbox_id AND d.digest = p.digest"
)
_PG_BY_HASH = text(
    "SELECT b.sha256, m.id, EXISTS (SELECT 1 FROM message_search s WHERE s.message_id = m.id) "
    "FROM blobs b JOIN messages m ON m.blob_id = b.id WHERE b.sha256 = ANY (CAST(:sha256 AS BYTEA[]))"
)
# Row locks in id order: two writers locking overlapping folders never wait on each other in a cycle.
_PG_LOCK_FOLDERS = text(
    "SELECT f.id, f.mailbox_id, f.name, f.uidnext, f.highestmodseq FROM folders f "
    "JOIN unnest(CAST(:mailbox_id AS BIGINT[]), CAST(:name AS VARCHAR[])) AS p (mailbox_id, name) "
    "ON f.mailbox_id = p.mailbox_id AND f.name = p.name ORDER BY f.id FOR UPDATE OF f"
)
_PG_ADVANCE_FOLDERS = text(
    "UPDATE folders f SET uidnext = f.uidnext + p.n, highestmodseq = f.highestmodseq + p.n "
    "FROM unnest(CAST(:id AS BIGINT[]), CAST(:n AS BIGINT[])) AS p (id, n) WHERE f.id = p.id"
)
_PG_INSERT_BLOBS = _pg_insert(blobs, ("sha256", "size", "key_id", "data"), ("id", "sha256"))
_PG_INSERT_MESSAGES = _pg_insert(
    messages, ("blob_id", "size", "message_id_header", "summary", "created_at"), ("id", "blob_id")
)
_PG_INSERT_SEARCH = _pg_insert(message_search, tuple(c.name for c in message_search.c))
# Pending: outside the text's GIN indexes until the background indexer reaches it (imap_textindex).
_PG_TEXT_COLUMNS = ("message_id", "header_text", "body_text", "pending")
_PG_INSERT_TEXT = _pg_insert(message_text, _PG_TEXT_COLUMNS)
_PG_INSERT_FOLDER_MESSAGES = _pg_insert(
    folder_messages,
    ("folder_id", "uid", "message_id", "modseq", "flags", "internal_date"),
    ("id", "folder_id", "uid"),
)
_PG_INSERT_DELIVERIES = _pg_insert(deliveries, ("mailbox_id", "digest", "folder_message_id", "created_at"))
_PG_NOTIFY = text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payload AS TEXT[])) AS p")


def _columns(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    """Rows as one list per column: the arrays the statements above take."""
    return {name: [row[name] for row in rows] for name in names}


@dataclass
class _Copy:
    """A copy to store in one folder (PostgreSQL batch), filled in as the batch's statements return."""

    job: int
    mailbox_id: int
    folder: str
    flags: str
    folder_id: int = 0
    uid: int = 0
    modseq: int = 0


@dataclass(frozen=True)
class _Again:
    """A redelivery of a copy made earlier in the same batch."""

    copy: _Copy


ChangeListener = Callable[[list[tuple[int, int]]], None]  # [(folder_id, modseq)] after a commit
NOTIFY_CHANNEL = "caducee_folders"
READ_BATCH = 200  # messages per query in read_messages
OPEN_INLINE_BYTES = 256 * 1024  # decrypting more than this in one call moves to a thread


@dataclass(frozen=True)
class NewMessage:
    """A message to store. `raw` is what is stored and served; `digest` identifies the received bytes.

    `summary`, when the caller has it (`NewMessage.of`), spares the store parsing the message again for its
    search row; without it the search row is computed from `raw`."""

    raw: bytes
    summary_json: str
    message_id_header: str | None
    internal_date: datetime
    digest: bytes = b""
    summary: MessageSummary | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, raw: bytes, summary: MessageSummary, internal_date: datetime, *, digest: bytes = b"") -> NewMessage:
        """The message with the summary `mailserver.message.summarise` computed for it."""
        return cls(raw, to_json(summary), summary.message_id, internal_date, digest, summary)

    def idempotency_digest(self) -> bytes:
        return self.digest or hashlib.sha256(self.raw).digest()


@dataclass
class _Job:
    message: NewMessage
    sealed: SealedBlob
    targets: list[tuple[int, str, str]]  # (mailbox_id, folder name, flags)
    dedupe: bool
    search: SearchRow  # the IMAP search row, computed before the transaction
    future: asyncio.Future[list[Delivered]] = field(repr=False, default=None)  # type: ignore[arg-type]


# How long a batch waits for more deliveries before it commits (PostgreSQL's commit_delay, MySQL's
# binlog_group_commit_sync_delay): sessions answered by one commit send their next messages within about a
# millisecond, and without the wait the first of them went alone into a commit and its fsync.
COMMIT_DELAY = 0.001


class MailStore:
    def __init__(
        self,
        engine: AsyncEngine,
        cipher: BlobCipher,
        clock: Callable[[], datetime],
        *,
        max_batch: int = 256,
        commit_delay: float = COMMIT_DELAY,
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._clock = clock
        self._max_batch = max_batch
        self._commit_delay = commit_delay
        self._pending: list[_Job] = []
        self._runner: asyncio.Task[None] | None = None
        self._listeners: list[ChangeListener] = []
        self._batches = BatchWriter(engine)
        self._compiled: dict[tuple[int, tuple[str, ...]], Any] = {}  # SQLite: the writer's statements, compiled once
        self._last_submit = 0.0  # loop time of the last delivery or append
        # Message text reaches the trigram indexes after the commit (see imap_textindex).
        self._indexer: TextIndexer | None = TextIndexer(self._index_chunk, self._delivering)
        self._chunk = index_chunk if engine.dialect.name == "sqlite" else index_chunk_postgres

    def close(self) -> None:
        """Stop the writer thread (SQLite) once no delivery is pending."""
        if self._indexer is not None:
            self._indexer.cancel()
        self._batches.close()

    async def aclose(self) -> None:
        """`close`, after the background indexer has stopped and let go of its connection (call it before the
        engine is disposed: on PostgreSQL a connection still checked out then is never closed)."""
        if self._indexer is not None:
            await self._indexer.stop()
        self.close()

    # ------------------------------------------------------------------ deferred text index
    def start_indexing(self) -> None:
        """Index, in the background, the message text a previous run left unindexed (serving processes)."""
        if self._indexer is not None:
            self._indexer.kick()

    def pause_indexing(self) -> None:
        """No background indexing in this process from now on (`index_text` still indexes on demand)."""
        if self._indexer is not None:
            self._indexer.paused = True
            self._indexer.cancel()

    async def index_text(self) -> None:
        """Index all unindexed message text now; returns once done (tests and maintenance)."""
        if self._indexer is not None:
            await self._indexer.drain()

    async def _index_chunk(self, budget: int) -> tuple[int, int]:
        return await self._batches.run(lambda conn: self._chunk(conn, budget), durable=False)

    def _delivering(self) -> bool:
        recent = asyncio.get_running_loop().time() - self._last_submit < QUIET
        return recent or bool(self._pending) or (self._runner is not None and not self._runner.done())

    # ------------------------------------------------------------------ change feed
    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener` after each commit that changed folders in this process; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, changes: list[tuple[int, int]]) -> None:
        for listener in list(self._listeners):
            listener(changes)

    def publish(self, changes: list[tuple[int, int]]) -> None:
        """Tell this process's listeners about a commit made by another writer of the store (IMAP flags...)."""
        self._notify(changes)

    # ------------------------------------------------------------------ writing
    async def deliver(
        self, message: NewMessage, mailbox_ids: list[int], *, folder: str = "INBOX", flags: str = ""
    ) -> list[Delivered]:
        """Store `message` for each mailbox; returns after the commit. Redeliveries are not stored twice."""
        targets = [(mid, folder, flags) for mid in dict.fromkeys(mailbox_ids)]
        return await self._submit(message, targets, dedupe=True)

    async def append(self, mailbox_id: int, folder: str, message: NewMessage, flags: str = "") -> Delivered:
        """IMAP APPEND and saving to Sent: the same path as delivery, without the redelivery check."""
        (result,) = await self._submit(message, [(mailbox_id, folder, flags)], dedupe=False)
        return result

    async def _submit(self, message: NewMessage, targets: list[tuple[int, str, str]], dedupe: bool) -> list[Delivered]:
        sealed = self._cipher.seal(message.raw)
        job = _Job(message, sealed, targets, dedupe, search_row(message.raw, message.summary))
        loop = asyncio.get_running_loop()
        job.future = loop.create_future()
        self._last_submit = loop.time()
        if self._indexer is not None:
            self._indexer.delivered(len(job.search.header_text) + len(job.search.body_text))
        self._pending.append(job)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await job.future

    async def _run(self) -> None:
        while self._pending:
            if self._commit_delay and len(self._pending) < self._max_batch:
                await asyncio.sleep(self._commit_delay)  # gather the sessions answered by the last commit
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                results = await self._commit(batch)
            except Exception:
                # One bad job must not fail the others: retry each alone, each answered on its own.
                for job in batch:
                    try:
                        (single,) = await self._commit([job])
                    except Exception as exc:
                        if not job.future.done():
                            job.future.set_exception(exc)
                    else:
                        self._settle(job, single)
                continue
            for job, res in zip(batch, results, strict=True):
                self._settle(job, res)
        if self._indexer is not None:
            self._indexer.kick()

    def _settle(self, job: _Job, result: list[Delivered]) -> None:
        if not job.future.done():
            job.future.set_result(result)
        changes = [(d.folder_id, d.modseq) for d in result if not d.duplicate]
        if changes:
            self._notify(changes)

    async def _commit(self, batch: list[_Job]) -> list[list[Delivered]]:
        return await self._batches.run(lambda conn: self._commit_sync(conn, batch))

    def _commit_sync(self, conn: Connection, batch: list[_Job]) -> list[list[Delivered]]:
        """The whole batch in the caller's transaction (runs off the event loop; see batch_writer)."""
        now = self._clock()
        if conn.dialect.name == "postgresql":
            return _commit_postgres(conn, batch, now)
        run = runner(conn, self._compiled)
        return [self._store_one(run, job, now) for job in batch]

    def _store_one(self, run: Runner, job: _Job, now: datetime) -> list[Delivered]:
        msg = job.message
        digest = msg.idempotency_digest()
        out: list[Delivered] = []
        message_id: int | None = None
        for mailbox_id, folder_name, flags in job.targets:
            if job.dedupe:
                seen = run.first(_SEEN, {"mid": mailbox_id, "digest": digest})  # (folder_id, uid, modseq)
                if seen is not None and seen[0] is not None:
                    out.append(Delivered(mailbox_id, seen[0], seen[1], seen[2], True))
                    continue
                if seen is not None:  # its copy was expunged or its folder deleted since: deliver it again
                    run.run(_FORGET, {"mid": mailbox_id, "digest": digest})
            if message_id is None:
                message_id = self._message_row(run, job.sealed, msg, job.search, now)
            row = run.first(_NEXT_UID, {"mid": mailbox_id, "fname": folder_name})  # (id, uidnext, highestmodseq)
            if row is None:
                raise NotFound(f"no folder {folder_name!r}", f"no folder {folder_name!r} in mailbox {mailbox_id}")
            folder_id, uid, modseq = row[0], row[1] - 1, row[2]
            folder_message_id = run.insert(
                _INSERT_FOLDER_MESSAGE,
                {
                    "folder_id": folder_id,
                    "uid": uid,
                    "message_id": message_id,
                    "modseq": modseq,
                    "flags": flags,
                    "internal_date": _utc(msg.internal_date),
                },
            )
            if job.dedupe:
                run.run(
                    _INSERT_DELIVERY,
                    {
                        "mailbox_id": mailbox_id,
                        "digest": digest,
                        "folder_message_id": folder_message_id,
                        "created_at": now,
                    },
                )
            out.append(Delivered(mailbox_id, folder_id, uid, modseq, False))
        return out

    def _message_row(self, run: Runner, sealed: SealedBlob, msg: NewMessage, search: SearchRow, now: datetime) -> int:
        existing = run.first(_MESSAGE_BY_HASH, {"sha": sealed.sha256})
        if existing is not None:
            # The outbound queue stores messages without a search row; add it when one arrives locally.
            if run.first(_HAS_SEARCH_ROW, {"id": existing[0]}) is None:
                _insert_search_row(run, int(existing[0]), search)
            return int(existing[0])
        blob_id = run.insert(
            _INSERT_BLOB, {"sha256": sealed.sha256, "size": sealed.size, "key_id": sealed.key_id, "data": sealed.data}
        )
        message_id = run.insert(
            _INSERT_MESSAGE,
            {
                "blob_id": blob_id,
                "size": len(msg.raw),
                "message_id_header": msg.message_id_header or None,
                "summary": msg.summary_json,
                "created_at": now,
            },
        )
        # In the same transaction: SEARCH never misses it (on SQLite, the text's trigram index follows the commit).
        _insert_search_row(run, message_id, search)
        return message_id

    # ------------------------------------------------------------------ reading
    async def folders_of(self, mailbox_id: int) -> list[Folder]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(folders).where(folders.c.mailbox_id == mailbox_id).order_by(folders.c.name))
            ).all()
        return [
            Folder(
                r.id,
                r.mailbox_id,
                r.name,
                r.special_use,
                r.uidvalidity,
                r.uidnext,
                r.highestmodseq,
                r.subscribed,
            )
            for r in rows
        ]

    async def read_message(self, message_id: int) -> bytes:
        """The message bytes, verified against their hash; IntegrityError if the blob was tampered with."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(blobs.c.data, blobs.c.sha256)
                    .join(messages, messages.c.blob_id == blobs.c.id)
                    .where(messages.c.id == message_id)
                )
            ).first()
        if row is None:
            raise NotFound("no such message")
        return self._cipher.open(row.data, row.sha256)

    async def read_messages(self, message_ids: Collection[int]) -> dict[int, bytes]:
        """The bytes of several messages, a few queries for all, each verified against its hash (IntegrityError
        if tampered). Ids that name no message are absent from the result."""
        wanted = list(dict.fromkeys(message_ids))
        found: dict[int, tuple[bytes, bytes]] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), READ_BATCH):
                rows = await conn.execute(
                    select(messages.c.id, blobs.c.data, blobs.c.sha256)
                    .join(blobs, blobs.c.id == messages.c.blob_id)
                    .where(messages.c.id.in_(wanted[start : start + READ_BATCH]))
                )
                found.update((r.id, (r.data, r.sha256)) for r in rows)

        def open_all() -> dict[int, bytes]:
            return {mid: self._cipher.open(data, digest) for mid, (data, digest) in found.items()}

        if sum(len(data) for data, _ in found.values()) > OPEN_INLINE_BYTES:
            return await asyncio.to_thread(open_all)  # never stall the event loop on big bodies
        return open_all()

    async def folder_uids(self, folder_id: int) -> list[tuple[int, int]]:
        """(uid, message_id) of a folder in UID order."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(folder_messages.c.uid, folder_messages.c.message_id)
                    .where(folder_messages.c.folder_id == folder_id)
                    .order_by(folder_messages.c.uid)
                )
            ).all()
        return [(r.uid, r.message_id) for r in rows]

    async def expunged_since(self, folder_id: int, modseq: int) -> list[int]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(expunged.c.uid)
                    .where((expunged.c.folder_id == folder_id) & (expunged.c.modseq > modseq))
                    .order_by(expunged.c.uid)
                )
            ).all()
        return [r.uid for r in rows]


def _commit_postgres(conn: Connection, batch: list[_Job], now: datetime) -> list[list[Delivered]]:
    """The batch as `_store_one` would store it job after job, in about eight statements for the whole batch
    (a network round trip each) instead of about ten per message. Same results: a redelivery seen before or
    earlier in the batch is a duplicate, the same bytes make one message row, each folder's UIDs and modseqs
    follow job order. The folder rows are locked last, just before the copies that need their UIDs."""
    digests = [job.message.idempotency_digest() for job in batch]
    # 1. Redeliveries: (mailbox, digest) pairs delivered by earlier transactions.
    pairs = list(
        dict.fromkeys((mid, digests[i]) for i, job in enumerate(batch) if job.dedupe for mid, _, _ in job.targets)
    )
    seen: dict[tuple[int, bytes], tuple[int, int, int] | None] = {}
    if pairs:
        rows = conn.execute(_PG_SEEN, {"mailbox_id": [p[0] for p in pairs], "digest": [p[1] for p in pairs]})
        for mid, digest, folder_id, uid, modseq in rows:
            seen[(mid, bytes(digest))] = None if folder_id is None else (folder_id, uid, modseq)
    # 2. What each target gets: a duplicate of an earlier copy, or a new copy (in job order).
    plans: list[list[Delivered | _Copy | _Again]] = []
    copies: list[_Copy] = []
    delivered: dict[tuple[int, bytes], _Copy] = {}  # in this batch
    forget: list[tuple[int, bytes]] = []
    for i, job in enumerate(batch):
        plan: list[Delivered | _Copy | _Again] = []
        for mid, folder_name, flags in job.targets:
            key = (mid, digests[i])
            if job.dedupe:
                if key in delivered:
                    plan.append(_Again(delivered[key]))
                    continue
                if key in seen:
                    before = seen[key]
                    if before is not None:
                        plan.append(Delivered(mid, before[0], before[1], before[2], True))
                        continue
                    forget.append(key)  # its copy was expunged or its folder deleted since: deliver it again
            copy = _Copy(i, mid, folder_name, flags)
            copies.append(copy)
            plan.append(copy)
            if job.dedupe:
                delivered[key] = copy
        plans.append(plan)
    if forget:
        conn.execute(_PG_FORGET, {"mailbox_id": [k[0] for k in forget], "digest": [k[1] for k in forget]})
    if copies:
        message_ids = _message_rows_postgres(conn, batch, [c.job for c in copies], now)
        _store_copies_postgres(conn, batch, copies, message_ids, digests, now)
    results = [[_result(p) for p in plan] for plan in plans]
    changed = sorted({f"{c.folder_id}:{c.modseq}" for c in copies})
    if changed:  # delivered to listeners at commit (LISTEN/NOTIFY)
        conn.execute(_PG_NOTIFY, {"channel": NOTIFY_CHANNEL, "payload": changed})
    return results


def _result(planned: Delivered | _Copy | _Again) -> Delivered:
    if isinstance(planned, Delivered):
        return planned
    if isinstance(planned, _Again):  # delivered earlier in the same batch
        c = planned.copy
        return Delivered(c.mailbox_id, c.folder_id, c.uid, c.modseq, True)
    return Delivered(planned.mailbox_id, planned.folder_id, planned.uid, planned.modseq, False)


def _message_rows_postgres(conn: Connection, batch: list[_Job], jobs: list[int], now: datetime) -> dict[bytes, int]:
    """The message id of each content hash the jobs `jobs` store, inserting what is new (the first job with those
    bytes gives the row), with its search row; and the search row of a stored message lacking one."""
    first: dict[bytes, int] = {}  # sha256 -> the first job storing it
    for i in jobs:
        first.setdefault(batch[i].sealed.sha256, i)
    ids: dict[bytes, int] = {}
    search_for: list[tuple[int, int]] = []  # (message id, job)
    for sha, message_id, has_search in conn.execute(_PG_BY_HASH, {"sha256": list(first)}):
        ids[bytes(sha)] = message_id
        if not has_search:  # the outbound queue stores messages without a search row
            search_for.append((message_id, first[bytes(sha)]))
    new = [(sha, i) for sha, i in first.items() if sha not in ids]
    if new:
        blob_rows = [
            {"sha256": sha, "size": s.size, "key_id": s.key_id, "data": s.data}
            for sha, i in new
            for s in (batch[i].sealed,)
        ]
        blob_ids = {
            bytes(sha): bid for bid, sha in conn.execute(_PG_INSERT_BLOBS, _columns(blob_rows, tuple(blob_rows[0])))
        }
        message_rows = [
            {
                "blob_id": blob_ids[sha],
                "size": len(batch[i].message.raw),
                "message_id_header": batch[i].message.message_id_header or None,
                "summary": batch[i].message.summary_json,
                "created_at": now,
            }
            for sha, i in new
        ]
        by_blob = dict(
            (blob_id, mid)
            for mid, blob_id in conn.execute(_PG_INSERT_MESSAGES, _columns(message_rows, tuple(message_rows[0])))
        )
        for sha, i in new:
            ids[sha] = by_blob[blob_ids[sha]]
            search_for.append((ids[sha], i))
    if search_for:
        # In the same transaction: SEARCH never misses it (the text's trigram indexes follow the commit).
        split = [split_row(message_id, batch[i].search) for message_id, i in search_for]
        conn.execute(_PG_INSERT_SEARCH, _columns([f for f, _ in split], tuple(c.name for c in message_search.c)))
        texts = [t for _, t in split]
        conn.execute(_PG_INSERT_TEXT, {**_columns(texts, _PG_TEXT_COLUMNS[:3]), "pending": [True] * len(texts)})
    return ids


def _store_copies_postgres(
    conn: Connection,
    batch: list[_Job],
    copies: list[_Copy],
    message_ids: dict[bytes, int],
    digests: list[bytes],
    now: datetime,
) -> None:
    """Lock the copies' folders (id order), give each copy its UID and modseq in job order, insert the copies."""
    wanted = list(dict.fromkeys((c.mailbox_id, c.folder) for c in copies))
    folder_rows = conn.execute(
        _PG_LOCK_FOLDERS, {"mailbox_id": [w[0] for w in wanted], "name": [w[1] for w in wanted]}
    ).all()
    counters = {(mid, name): [fid, uidnext, modseq] for fid, mid, name, uidnext, modseq in folder_rows}
    for copy in copies:
        counter = counters.get((copy.mailbox_id, copy.folder))
        if counter is None:
            raise NotFound(f"no folder {copy.folder!r}", f"no folder {copy.folder!r} in mailbox {copy.mailbox_id}")
        copy.folder_id, copy.uid, copy.modseq = counter[0], counter[1], counter[2] + 1
        counter[1], counter[2] = counter[1] + 1, counter[2] + 1
    taken: dict[int, int] = {}
    for copy in copies:
        taken[copy.folder_id] = taken.get(copy.folder_id, 0) + 1
    conn.execute(_PG_ADVANCE_FOLDERS, {"id": list(taken), "n": list(taken.values())})
    rows = conn.execute(
        _PG_INSERT_FOLDER_MESSAGES,
        {
            "folder_id": [c.folder_id for c in copies],
            "uid": [c.uid for c in copies],
            "message_id": [message_ids[batch[c.job].sealed.sha256] for c in copies],
            "modseq": [c.modseq for c in copies],
            "flags": [c.flags for c in copies],
            "internal_date": [_utc(batch[c.job].message.internal_date) for c in copies],
        },
    )
    row_ids = {(folder_id, uid): row_id for row_id, folder_id, uid in rows}
    recorded = [c for c in copies if batch[c.job].dedupe]
    if recorded:
        conn.execute(
            _PG_INSERT_DELIVERIES,
            {
                "mailbox_id": [c.mailbox_id for c in recorded],
                "digest": [digests[c.job] for c in recorded],
                "folder_message_id": [row_ids[(c.folder_id, c.uid)] for c in recorded],
                "created_at": [now] * len(recorded),
            },
        )


def _utc(when: datetime) -> datetime:
    """Stored instants are UTC: SQLite keeps a datetime's wall time without its offset."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
