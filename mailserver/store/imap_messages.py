"""Reading a folder's messages for IMAP: the SELECT snapshot, FETCH metadata, summaries and bodies.

Owns the consistent read (one snapshot for the folder row and its messages: a deferred transaction on SQLite in
WAL mode, REPEATABLE READ on PostgreSQL), the SELECT snapshot (read and kept warm by `imap_snapshot`), FETCH
metadata by UID set in batched queries, a bounded LRU of that metadata keyed by (folder, UIDVALIDITY, UID) (a UID
names one message for its folder's UIDVALIDITY: its message id, INTERNALDATE and size never change), and a bounded
LRU of parsed summaries keyed by message id (messages never change once stored, so neither cache is ever stale).
Summaries in the cache carry no indexed text (FETCH never needs it). Never writes and never sets \\Seen (that is
`imap_flags`).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.message import MessageSummary, UnreadableSummary, from_json, summarise
from mailserver.store.imap_criteria import UidRanges
from mailserver.store.imap_records import MessageMeta, Snapshot
from mailserver.store.imap_snapshot import SnapshotLoader
from mailserver.store.imap_uidsets import batches, uid_clause
from mailserver.store.mail import MailStore
from mailserver.store.schema import folder_messages, messages

DEFAULT_SUMMARY_CACHE = 2048
DEFAULT_META_CACHE = 4096
SUMMARY_BATCH = 200


@contextlib.asynccontextmanager
async def consistent_read(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose statements all see one snapshot of the database."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn  # SQLite: the lead's "begin" hook opens one deferred transaction for every statement here


def utc(when: datetime) -> datetime:
    """Stored instants are UTC; SQLite hands them back without their zone."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class MessageReader:
    def __init__(self, engine: AsyncEngine, mail: MailStore, *, summary_cache: int = DEFAULT_SUMMARY_CACHE) -> None:
        self._engine = engine
        self._mail = mail
        self._cache: OrderedDict[int, MessageSummary] = OrderedDict()
        self._cache_size = summary_cache
        self._metas: OrderedDict[tuple[int, int, int], MessageMeta] = OrderedDict()
        self._metas_size = DEFAULT_META_CACHE
        self._snapshots = SnapshotLoader(engine)

    async def snapshot(self, folder_id: int) -> Snapshot:
        """The folder as SELECT and EXAMINE report it, every message in UID order (RFC 3501 §6.3.1)."""
        async with consistent_read(self._engine) as conn:
            return await self._snapshots.snapshot(conn, folder_id)

    async def prepare(self) -> None:
        """Compile the statements of SELECT and of metadata and summary FETCH now (see `SnapshotLoader.prepare`)."""
        async with consistent_read(self._engine) as conn:
            await self._snapshots.prepare(conn)
        await self.fetch(0, [(1, 2)])  # a UID range, as clients ask
        async with self._engine.connect() as conn:
            await conn.execute(select(messages.c.id, messages.c.summary).where(messages.c.id.in_([0])))

    async def close(self) -> None:
        """Write what is waiting to be written (the stored SELECT snapshots)."""
        await self._snapshots.close()

    async def fetch(self, folder_id: int, uids: UidRanges) -> list[MessageMeta]:
        """FETCH data that needs no blob, for the UIDs present in the folder, in UID order."""
        out: list[MessageMeta] = []
        async with self._engine.connect() as conn:
            for batch in batches(uids):
                rows = await conn.execute(
                    select(
                        folder_messages.c.uid,
                        folder_messages.c.message_id,
                        folder_messages.c.modseq,
                        folder_messages.c.flags,
                        folder_messages.c.internal_date,
                        messages.c.size,
                    )
                    .join(messages, messages.c.id == folder_messages.c.message_id)
                    .where((folder_messages.c.folder_id == folder_id) & uid_clause(folder_messages.c.uid, batch))
                    .order_by(folder_messages.c.uid)
                )
                out.extend(
                    MessageMeta(r.uid, r.message_id, r.modseq, r.flags, utc(r.internal_date), r.size) for r in rows
                )
        return out

    async def fetch_known(self, folder_id: int, uidvalidity: int, uids: Sequence[int]) -> list[MessageMeta]:
        """`fetch` for UIDs a session knows, in their order, the UIDs read before served from memory. A cached
        answer keeps the flags and modseq it was read with (sessions hold their own) and may name a message
        expunged since by another session (RFC 2180 §4.1.1: its data is still what the session was shown)."""
        found: dict[int, MessageMeta] = {}
        missing: list[int] = []
        for uid in uids:
            meta = self._metas.get((folder_id, uidvalidity, uid))
            if meta is None:
                missing.append(uid)
            else:
                self._metas.move_to_end((folder_id, uidvalidity, uid))
                found[uid] = meta
        if missing:
            for meta in await self.fetch(folder_id, _runs(missing)):
                found[meta.uid] = meta
                self._metas[(folder_id, uidvalidity, meta.uid)] = meta
            while len(self._metas) > self._metas_size:
                self._metas.popitem(last=False)
        return [found[uid] for uid in uids if uid in found]

    async def summaries(self, message_ids: Collection[int]) -> dict[int, MessageSummary]:
        """Parsed summaries (ENVELOPE, BODYSTRUCTURE, part offsets...) without their indexed text."""
        found: dict[int, MessageSummary] = {}
        missing: list[int] = []
        for mid in dict.fromkeys(message_ids):
            cached = self._cache.get(mid)
            if cached is None:
                missing.append(mid)
            else:
                self._cache.move_to_end(mid)
                found[mid] = cached
        unreadable: list[int] = []
        if missing:
            async with self._engine.connect() as conn:
                for start in range(0, len(missing), SUMMARY_BATCH):
                    rows = await conn.execute(
                        select(messages.c.id, messages.c.summary).where(
                            messages.c.id.in_(missing[start : start + SUMMARY_BATCH])
                        )
                    )
                    for mid, text in rows:
                        try:
                            found[mid] = self._remember(mid, from_json(text))
                        except UnreadableSummary:
                            unreadable.append(mid)
        if unreadable:  # stored by a path that kept no summary: compute it from the bytes
            for mid, raw in (await self._mail.read_messages(unreadable)).items():
                found[mid] = self._remember(mid, summarise(raw))
        return found

    async def bodies(self, message_ids: Collection[int]) -> dict[int, bytes]:
        """Message bytes for BODY[] and sections, one query per batch, each blob verified once."""
        return await self._mail.read_messages(message_ids)

    def _remember(self, message_id: int, summary: MessageSummary) -> MessageSummary:
        self._cache[message_id] = summary
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return summary


def _runs(uids: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending UIDs as ranges of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for uid in uids:
        if runs and runs[-1][1] == uid - 1:
            runs[-1] = (runs[-1][0], uid)
        else:
            runs.append((uid, uid))
    return runs
