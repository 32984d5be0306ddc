"""The SELECT snapshot of a folder, fast for 100,000 messages: kept warm in the process and kept in the database.

Owns reading a whole folder in one aggregated row (SQLite group_concat, PostgreSQL array_agg), so the cost is a
scan and a split rather than 100,000 result rows; a small per-process cache of recent snapshots; and, for big
folders, a compact copy of the snapshot in `folder_snapshots` (UIDs, modseqs and flag texts packed into one row,
never content), so that a new process opens a big folder by reading one row, as Dovecot does with its index
files. A cached or stored snapshot is brought up to date from the changes since it was taken (rows whose modseq
rose, UIDs expunged since) instead of being read again. Every change to a folder raises its HIGHESTMODSEQ (or its
UIDVALIDITY when it is created again), so (UIDVALIDITY, HIGHESTMODSEQ) tells what a snapshot holds. Callers share
the cached arrays and must never change them (the IMAP session copies them before its first change; a patch here
builds new ones), so that a big folder is held once per process. Writes only `folder_snapshots`, in the
background after the snapshot was returned (a stored copy is an accelerator: losing one costs a full read, never a
wrong answer).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import operator
import struct
import sys
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.imap_records import Snapshot
from mailserver.store.imap_schema import folder_snapshots
from mailserver.store.schema import expunged, folder_messages, folders

log = logging.getLogger("caducee.store")

DEFAULT_CACHED_FOLDERS = 16
MIN_CACHED_MESSAGES = 500  # small folders are cheaper to read again than to keep
MAX_PATCH_FRACTION = 0.2  # past this share of changed rows, read the folder again
MIN_STORED_MESSAGES = 2_000  # folders from this size keep a copy in `folder_snapshots`
STORE_AFTER_CHANGES = 0.02  # the stored copy is written again once this share of rows changed since (at least...)
MIN_STORE_CHANGES = 200  # ... this many rows), so that bringing it up to date stays cheap
STORE_DELAY = 1.0  # seconds: a stored copy is written once the burst of commands after SELECT has passed

_FORMAT = 1
_HEADER = struct.Struct("<BBxxIII")  # format, flag index typecode, message count, distinct texts, their bytes


@dataclass
class _Cached:
    uidvalidity: int
    highestmodseq: int
    uidnext: int
    uids: array[int]
    modseqs: array[int]
    flags: list[str]
    stored_modseq: int = 0  # HIGHESTMODSEQ of the copy in `folder_snapshots` (0: none known)
    unstored: int = 0  # rows changed since that copy


class SnapshotLoader:
    def __init__(self, engine: AsyncEngine, *, cached_folders: int = DEFAULT_CACHED_FOLDERS) -> None:
        self._engine = engine
        self._cache: OrderedDict[int, _Cached] = OrderedDict()
        self._size = cached_folders
        self._to_store: dict[int, _Cached | None] = {}
        self._storing: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    async def snapshot(self, conn: AsyncConnection, folder_id: int) -> Snapshot:
        """The folder on `conn` (a consistent read), from the cache when it is current or nearly so."""
        stored = folder_snapshots.c
        folder = (
            await conn.execute(
                select(
                    folders.c.uidvalidity,
                    folders.c.uidnext,
                    folders.c.highestmodseq,
                    stored.uidvalidity.label("stored_uidvalidity"),
                    stored.highestmodseq.label("stored_modseq"),
                )
                .outerjoin(folder_snapshots, stored.folder_id == folders.c.id)
                .where(folders.c.id == folder_id)
            )
        ).first()
        if folder is None:
            self._cache.pop(folder_id, None)
            raise NoSuchFolder("no such folder", f"folder id {folder_id}")
        stored_modseq = folder.stored_modseq if folder.stored_uidvalidity == folder.uidvalidity else None
        cached = self._cache.get(folder_id)
        if cached is not None and cached.uidvalidity != folder.uidvalidity:
            cached = None
        if cached is None and stored_modseq is not None and stored_modseq <= folder.highestmodseq:
            cached = await _read_stored(conn, folder_id, folder.uidvalidity, stored_modseq)
        if cached is not None and (cached.highestmodseq != folder.highestmodseq or cached.uidnext != folder.uidnext):
            cached = await self._patch(conn, folder_id, cached, folder.highestmodseq, folder.uidnext)
        if cached is None:  # stored_modseq 0: whatever copy is stored is older than this read (or unreadable)
            uids, modseqs, flags = await _read_all(conn, folder_id)
            cached = _Cached(folder.uidvalidity, folder.highestmodseq, folder.uidnext, uids, modseqs, flags)
        elif stored_modseq is not None and stored_modseq > cached.stored_modseq:
            cached.stored_modseq = stored_modseq  # another process stored a newer copy
        if len(cached.uids) >= MIN_CACHED_MESSAGES:
            self._cache[folder_id] = cached
            self._cache.move_to_end(folder_id)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.pop(folder_id, None)
        if _worth_storing(cached):
            self._store_later(folder_id, cached)
        elif folder.stored_modseq is not None and len(cached.uids) < MIN_STORED_MESSAGES:
            self._store_later(folder_id, None)  # the folder shrank, or was created again: the copy only costs
        return Snapshot(
            folder_id,
            cached.uidvalidity,
            cached.uidnext,
            cached.highestmodseq,
            cached.uids,
            cached.modseqs,
            cached.flags,
        )

    async def prepare(self, conn: AsyncConnection) -> None:
        """Run every statement of a SELECT once on no folder, so that SQLAlchemy compiles them now rather than in
        the first SELECT of the process (a millisecond or two each)."""
        with contextlib.suppress(NoSuchFolder):
            await self.snapshot(conn, 0)
        await _read_stored(conn, 0, 0, 0)
        await _read_all(conn, 0)
        await self._patch(conn, 0, _Cached(0, 0, 0, array("q"), array("q"), []), 0, 0)

    async def close(self) -> None:
        """Write the copies still waiting (so that the next process finds them), then stop."""
        self._closing.set()
        if self._storing is not None:
            await asyncio.gather(self._storing, return_exceptions=True)
            self._storing = None

    async def _patch(
        self, conn: AsyncConnection, folder_id: int, old: _Cached, highest: int, uidnext: int
    ) -> _Cached | None:
        """`old` brought up to `highest`, or None when reading the folder again is cheaper."""
        limit = int(len(old.uids) * MAX_PATCH_FRACTION) + 1
        changed = (
            await conn.execute(
                select(folder_messages.c.uid, folder_messages.c.modseq, folder_messages.c.flags)
                .where((folder_messages.c.folder_id == folder_id) & (folder_messages.c.modseq > old.highestmodseq))
                .order_by(folder_messages.c.uid)
                .limit(limit + 1)
            )
        ).all()
        gone = (
            await conn.execute(
                select(expunged.c.uid)
                .where((expunged.c.folder_id == folder_id) & (expunged.c.modseq > old.highestmodseq))
                .limit(limit + 1)
            )
        ).all()
        if len(changed) > limit or len(gone) > limit:
            return None
        uids, modseqs, flags = _without(old, sorted(r.uid for r in gone))
        shared = {text: text for text in set(flags)} if changed else {}  # equal texts stay one object
        for uid, modseq, text in changed:
            text = shared.setdefault(text, text)
            index = bisect.bisect_left(uids, uid)
            if index < len(uids) and uids[index] == uid:
                modseqs[index], flags[index] = modseq, text
            else:  # new since: UIDs only grow, so it goes at the end
                uids.append(uid)
                modseqs.append(modseq)
                flags.append(text)
        unstored = old.unstored + len(changed) + len(gone)
        return _Cached(old.uidvalidity, highest, uidnext, uids, modseqs, flags, old.stored_modseq, unstored)

    # ---------------------------------------------------------------- the stored copy
    def _store_later(self, folder_id: int, cached: _Cached | None) -> None:
        """Write `cached` as the folder's stored copy soon, or with None drop the copy."""
        self._to_store[folder_id] = cached
        if self._storing is None or self._storing.done():
            self._storing = asyncio.get_running_loop().create_task(self._store_waiting())

    async def _store_waiting(self) -> None:
        """Write the waiting copies, one transaction each, after `STORE_DELAY` (at once when closing)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STORE_DELAY):
                await self._closing.wait()
        while self._to_store:
            folder_id, cached = self._to_store.popitem()
            try:
                if cached is None:
                    async with writer(self._engine).begin() as conn:
                        await conn.execute(delete(folder_snapshots).where(folder_snapshots.c.folder_id == folder_id))
                    continue
                await _write_stored(self._engine, folder_id, cached)
            except Exception:  # the folder went away meanwhile, or the database is busy: the next SELECT retries
                log.warning("SELECT snapshot not stored", extra={"folder_id": folder_id}, exc_info=True)
                continue
            cached.stored_modseq, cached.unstored = cached.highestmodseq, 0


def _without(old: _Cached, gone: list[int]) -> tuple[array[int], array[int], list[str]]:
    """New copies of `old`'s columns without the ascending UIDs `gone` (those it never held are ignored: a message
    delivered and expunged since), cut and joined by slices rather than rebuilt message by message."""
    positions = []
    for uid in gone:
        index = bisect.bisect_left(old.uids, uid)
        if index < len(old.uids) and old.uids[index] == uid:
            positions.append(index)
    if not positions:
        return array("q", old.uids), array("q", old.modseqs), list(old.flags)
    bounds = [-1, *positions, len(old.uids)]
    spans = [(start + 1, end) for start, end in itertools.pairwise(bounds) if end > start + 1]
    uids, modseqs, flags = array("q"), array("q"), []
    for start, end in spans:
        uids += old.uids[start:end]
        modseqs += old.modseqs[start:end]
        flags += old.flags[start:end]
    return uids, modseqs, flags


def _worth_storing(cached: _Cached) -> bool:
    count = len(cached.uids)
    if count < MIN_STORED_MESSAGES or cached.stored_modseq == cached.highestmodseq:
        return False
    if cached.stored_modseq == 0:
        return True
    return cached.unstored >= max(MIN_STORE_CHANGES, int(count * STORE_AFTER_CHANGES))


def encode(uids: array[int], modseqs: array[int], flags: Sequence[str]) -> bytes:
    """The stored form: a header, the distinct flag texts, then UIDs and modseqs (int64) and one text index per
    message, little-endian."""
    palette = {text: index for index, text in enumerate(set(flags))}
    typecode = "B" if len(palette) <= 0xFF else "H" if len(palette) <= 0xFFFF else "I"
    indexes = array(typecode, map(palette.__getitem__, flags))
    texts = "\n".join(palette).encode("utf-8")  # flags never hold a line break (atoms)
    numbers = [array("q", uids), array("q", modseqs), indexes]
    if sys.byteorder == "big":
        for column in numbers:
            column.byteswap()
    header = _HEADER.pack(_FORMAT, ord(typecode), len(uids), len(palette), len(texts))
    return b"".join([header, texts, *(column.tobytes() for column in numbers)])


def decode(data: bytes) -> tuple[array[int], array[int], list[str]]:
    """`encode`'s inverse; ValueError if `data` is not a snapshot this version wrote."""
    if len(data) < _HEADER.size:
        raise ValueError("stored snapshot too short")
    version, typecode, count, distinct, text_size = _HEADER.unpack_from(data)
    if version != _FORMAT or chr(typecode) not in "BHI":
        raise ValueError(f"stored snapshot of an unknown format {version}")
    width = array(chr(typecode)).itemsize
    if len(data) != _HEADER.size + text_size + count * (16 + width):
        raise ValueError("stored snapshot of the wrong length")
    offset = _HEADER.size
    texts = data[offset : offset + text_size].decode("utf-8").split("\n") if distinct else []
    offset += text_size
    uids, modseqs, indexes = array("q"), array("q"), array(chr(typecode))
    with memoryview(data) as view:  # no intermediate copies of the columns
        for column in (uids, modseqs, indexes):
            end = offset + count * column.itemsize
            column.frombytes(view[offset:end])
            offset = end
    if len(texts) != distinct:
        raise ValueError("stored snapshot of the wrong number of flag texts")
    if sys.byteorder == "big":
        for column in (uids, modseqs, indexes):
            column.byteswap()
    try:
        return uids, modseqs, [texts[i] for i in indexes]
    except IndexError:
        raise ValueError("stored snapshot names a flag text it does not hold") from None


async def _read_stored(conn: AsyncConnection, folder_id: int, uidvalidity: int, modseq: int) -> _Cached | None:
    """The stored copy (taken at `modseq`), or None if it is unreadable."""
    row = (
        await conn.execute(
            select(folder_snapshots.c.uidnext, folder_snapshots.c.data).where(
                (folder_snapshots.c.folder_id == folder_id) & (folder_snapshots.c.highestmodseq == modseq)
            )
        )
    ).first()
    if row is None:
        return None
    try:
        uids, modseqs, flags = decode(row.data if isinstance(row.data, bytes) else bytes(row.data))
    except ValueError:
        log.warning("stored SELECT snapshot unreadable; reading the folder", extra={"folder_id": folder_id})
        return None
    return _Cached(uidvalidity, modseq, row.uidnext, uids, modseqs, flags, stored_modseq=modseq)


async def _write_stored(engine: AsyncEngine, folder_id: int, cached: _Cached) -> None:
    """Keep `cached` as the folder's stored copy, unless a newer one is there already."""
    data = encode(cached.uids, cached.modseqs, cached.flags)
    async with writer(engine).begin() as conn:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        statement = insert(folder_snapshots).values(
            folder_id=folder_id,
            uidvalidity=cached.uidvalidity,
            uidnext=cached.uidnext,
            highestmodseq=cached.highestmodseq,
            data=data,
        )
        newer = statement.excluded
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[folder_snapshots.c.folder_id],
                set_={
                    "uidvalidity": newer.uidvalidity,
                    "uidnext": newer.uidnext,
                    "highestmodseq": newer.highestmodseq,
                    "data": newer.data,
                },
                where=(folder_snapshots.c.uidvalidity != newer.uidvalidity)
                | (folder_snapshots.c.highestmodseq <= newer.highestmodseq),  # equal: it replaces an unreadable one
            )
        )


async def _read_all(conn: AsyncConnection, folder_id: int) -> tuple[array[int], array[int], list[str]]:
    """Every (uid, modseq, flags) of the folder in UID order, read as one aggregated row."""
    fm = folder_messages.c
    ordered = select(fm.uid, fm.modseq, fm.flags).where(fm.folder_id == folder_id).order_by(fm.uid).subquery()
    if conn.dialect.name == "postgresql":  # aggregates fed in UID order (checked below): no sort per aggregate
        arrays = (
            await conn.execute(
                select(func.array_agg(ordered.c.uid), func.array_agg(ordered.c.modseq), func.array_agg(ordered.c.flags))
            )
        ).one()
        uid_list: Sequence[Any] = arrays[0] or []
        modseq_list: Sequence[Any] = arrays[1] or []
        texts: Sequence[str] = arrays[2] or []
    else:
        joined = (
            await conn.execute(
                select(
                    func.group_concat(ordered.c.uid),
                    func.group_concat(ordered.c.modseq),
                    func.group_concat(ordered.c.flags, "\n"),  # flags never hold a line break (atoms)
                )
            )
        ).one()
        if joined[0] is None:
            return array("q"), array("q"), []
        uid_list = str(joined[0]).split(",")
        modseq_list = str(joined[1]).split(",")
        texts = str(joined[2]).split("\n")
    uids = array("q", map(int, uid_list))
    modseqs = array("q", map(int, modseq_list))
    shared: dict[str, str] = {}
    flags = [shared.setdefault(t, t) for t in texts]
    if not all(map(operator.lt, uids, itertools.islice(uids, 1, None))):  # aggregate order is not promised
        order = sorted(range(len(uids)), key=uids.__getitem__)
        uids = array("q", (uids[i] for i in order))
        modseqs = array("q", (modseqs[i] for i in order))
        flags = [flags[i] for i in order]
    return uids, modseqs, flags
