"""The SELECT snapshot of a folder, fast for 100,000 messages, and kept warm between SELECTs.

Owns reading a whole folder in one aggregated row (SQLite group_concat, PostgreSQL array_agg), so the cost is a
scan and a split rather than 100,000 result rows, and a small per-process cache of recent snapshots that is
brought up to date from the changes since it was taken (rows whose modseq rose, UIDs expunged since) instead of
being read again. Every change to a folder raises its HIGHESTMODSEQ (or its UIDVALIDITY when it is created
again), so (UIDVALIDITY, HIGHESTMODSEQ) tells whether a cached snapshot is current. Callers get copies: the
cache is never shared mutable state. Never writes.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.imap_records import Snapshot
from mailserver.store.schema import expunged, folder_messages, folders

DEFAULT_CACHED_FOLDERS = 16
MIN_CACHED_MESSAGES = 500  # small folders are cheaper to read again than to keep
MAX_PATCH_FRACTION = 0.2  # past this share of changed rows, read the folder again


@dataclass
class _Cached:
    uidvalidity: int
    highestmodseq: int
    uidnext: int
    uids: array[int]
    modseqs: array[int]
    flags: list[str]


class SnapshotLoader:
    def __init__(self, engine: AsyncEngine, *, cached_folders: int = DEFAULT_CACHED_FOLDERS) -> None:
        self._engine = engine
        self._cache: OrderedDict[int, _Cached] = OrderedDict()
        self._size = cached_folders

    async def snapshot(self, conn: AsyncConnection, folder_id: int) -> Snapshot:
        """The folder on `conn` (a consistent read), from the cache when it is current or nearly so."""
        folder = (
            await conn.execute(
                select(folders.c.uidvalidity, folders.c.uidnext, folders.c.highestmodseq).where(
                    folders.c.id == folder_id
                )
            )
        ).first()
        if folder is None:
            self._cache.pop(folder_id, None)
            raise NoSuchFolder("no such folder", f"folder id {folder_id}")
        cached = self._cache.get(folder_id)
        if cached is not None and cached.uidvalidity == folder.uidvalidity:
            if cached.highestmodseq != folder.highestmodseq or cached.uidnext != folder.uidnext:
                cached = await self._patch(conn, folder_id, cached, folder.highestmodseq, folder.uidnext)
        else:
            cached = None
        if cached is None:
            uids, modseqs, flags = await _read_all(conn, folder_id)
            cached = _Cached(folder.uidvalidity, folder.highestmodseq, folder.uidnext, uids, modseqs, flags)
        if len(cached.uids) >= MIN_CACHED_MESSAGES:
            self._cache[folder_id] = cached
            self._cache.move_to_end(folder_id)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.pop(folder_id, None)
        return Snapshot(
            folder_id,
            cached.uidvalidity,
            cached.uidnext,
            cached.highestmodseq,
            array("q", cached.uids),
            array("q", cached.modseqs),
            list(cached.flags),
        )

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
        uids, modseqs, flags = array("q", old.uids), array("q", old.modseqs), list(old.flags)
        if gone:
            drop = {r.uid for r in gone}
            keep = [i for i, uid in enumerate(uids) if uid not in drop]
            uids = array("q", (uids[i] for i in keep))
            modseqs = array("q", (modseqs[i] for i in keep))
            flags = [flags[i] for i in keep]
        shared = {text: text for text in flags}
        for uid, modseq, text in changed:
            text = shared.setdefault(text, text)
            index = bisect.bisect_left(uids, uid)
            if index < len(uids) and uids[index] == uid:
                modseqs[index], flags[index] = modseq, text
            else:  # new since: UIDs only grow, so it goes at the end
                uids.append(uid)
                modseqs.append(modseq)
                flags.append(text)
        return _Cached(old.uidvalidity, highest, uidnext, uids, modseqs, flags)


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
