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
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.errors import NotFound
from mailserver.message import MessageSummary, to_json
from mailserver.store.batch_writer import BatchWriter
from mailserver.store.blobs import BlobCipher, SealedBlob
from mailserver.store.imap_index import SearchRow, search_row, search_text, split_row
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imap_textindex import QUIET, TextIndexer, extracted, index_chunk, index_chunk_postgres
from mailserver.store.mail_postgres import commit_postgres
from mailserver.store.prepared import Runner, runner
from mailserver.store.records import Delivered, Folder
from mailserver.store.schema import blobs, deliveries, expunged, folder_messages, folders, messages, stored_utc

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


ChangeListener = Callable[[list[tuple[int, int]]], None]  # [(folder_id, modseq)] after a commit
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


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# How long a batch waits for more deliveries before it commits (PostgreSQL's commit_delay, MySQL's
# binlog_group_commit_sync_delay): sessions answered by one commit send their next messages within about a
# millisecond, and without the wait the first of them went alone into a commit and its fsync. The wait ends as
# soon as as many deliveries have come in as the last commit answered (a store's first delivery commits at once;
# after a pause, a lone delivery still waits up to the delay). Measured, 4 KB through the MX, two workers, 6 s
# rounds: SQLite 1,107-1,444 -> 1,401-1,658 msg/s, PostgreSQL 1,457-1,516 -> 1,743; 100 KB unchanged (the
# batches are full before the delay ends). Counting the delay from the last commit instead of from the batch's
# first delivery closed the window too early: the runner often finds nothing pending right after a commit, and
# the answered sessions come back over more than a millisecond (4 KB: SQLite 1,711-1,787 -> 1,335-1,367 msg/s,
# PostgreSQL 1,419-1,581 -> 1,078-1,174).
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
        # Adaptive group commit: the jobs the last commit answered (their sessions send the next ones), the jobs
        # submitted since, and the batch's wait, ended early once they are all back.
        self._answered = 0
        self._arrived = 0
        self._gathering: asyncio.Future[None] | None = None
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
            self._indexer.cancel()
        await self._batches.aclose()

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
        return await self._batches.run(lambda conn: self._chunk(conn, budget, self._search_text), durable=False)

    def _search_text(self, data: bytes, sha256: bytes) -> str:
        return search_text(self._cipher.open(data, sha256))

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
            self._indexer.delivered(len(message.raw))
        self._pending.append(job)
        self._arrived += 1
        if self._gathering is not None and self._arrived >= self._answered:
            _resolve(self._gathering)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await job.future

    async def _run(self) -> None:
        while self._pending:
            if self._commit_delay and len(self._pending) < self._max_batch and self._arrived < self._answered:
                await self._gather()
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
            self._answered, self._arrived = len(batch), 0
            for job, res in zip(batch, results, strict=True):
                self._settle(job, res)
        if self._indexer is not None:
            self._indexer.kick()

    async def _gather(self) -> None:
        """Wait up to the commit delay for the sessions the last commit answered to send their next messages."""
        loop = asyncio.get_running_loop()
        self._gathering = gathering = loop.create_future()
        timer = loop.call_later(self._commit_delay, _resolve, gathering)
        try:
            await gathering
        finally:
            timer.cancel()
            self._gathering = None

    def _settle(self, job: _Job, result: list[Delivered]) -> None:
        if not job.future.done():
            job.future.set_result(result)
        changes = [(d.folder_id, d.modseq) for d in result if not d.duplicate]
        if changes:
            self._notify(changes)

    async def _commit(self, batch: list[_Job]) -> list[list[Delivered]]:
        if self._engine.dialect.name == "postgresql":
            return await self._batches.run_postgres(lambda conn: commit_postgres(conn, batch, self._clock()))
        return await self._batches.run(lambda conn: self._commit_sync(conn, batch))

    def _commit_sync(self, conn: Connection, batch: list[_Job]) -> list[list[Delivered]]:
        """The whole batch in the caller's transaction (SQLite: runs in the writer thread; see batch_writer)."""
        now = self._clock()
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
                    "internal_date": stored_utc(msg.internal_date),
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
        found = await self._sealed(message_ids)

        def open_all() -> dict[int, bytes]:
            return {mid: self._cipher.open(data, digest) for mid, (data, digest) in found.items()}

        if sum(len(data) for data, _ in found.values()) > OPEN_INLINE_BYTES:
            return await asyncio.to_thread(open_all)  # never stall the event loop on big bodies
        return open_all()

    async def _sealed(self, message_ids: Collection[int]) -> dict[int, tuple[bytes, bytes]]:
        """The sealed blob (data, content hash) of each message id that names a message."""
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
        return found

    async def search_texts(self, message_ids: Collection[int]) -> dict[int, str]:
        """The body text SEARCH tests, for messages whose text the indexer has not extracted yet: from their
        blobs, as the indexer will (a blob that cannot be opened gives an empty text, logged)."""
        found = await self._sealed(message_ids)

        def extract() -> dict[int, str]:
            return {mid: extracted(self._search_text, mid, data, sha) for mid, (data, sha) in found.items()}

        if sum(len(data) for data, _ in found.values()) > OPEN_INLINE_BYTES:
            return await asyncio.to_thread(extract)  # never stall the event loop on big bodies
        return extract()

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
