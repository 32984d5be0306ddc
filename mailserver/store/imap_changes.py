"""What changed in a folder since a modseq: CONDSTORE CHANGEDSINCE, QRESYNC VANISHED, and the cheap poll.

Owns reading rows whose modseq is above a value (RFC 7162 §3.1.4: flag changes and new messages alike, since
delivery stamps new rows with the folder's new HIGHESTMODSEQ), the UIDs expunged since a value (§3.2.10, from
`expunged`, kept for the folder's life) and the folder state IDLE and NOOP compare against. Reads use the
folder's (folder_id, modseq) indexes. Never writes.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.imap_criteria import UidRanges
from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.imap_messages import consistent_read
from mailserver.store.imap_records import FlagChange, FolderState
from mailserver.store.imap_uidsets import batches, uid_clause
from mailserver.store.loop_reads import LoopReader
from mailserver.store.schema import expunged, folder_messages, folders

# Built once: the SQLite change feed runs it every poll interval while a folder is selected.
_HIGHEST_MODSEQS = select(folders.c.id, folders.c.highestmodseq).where(
    folders.c.id.in_(bindparam("ids", expanding=True))
)


class ChangeReader:
    def __init__(self, engine: AsyncEngine, reads: LoopReader) -> None:
        self._engine = engine
        self._reads = reads  # the view's, closed with it

    async def folder_state(self, folder_id: int) -> FolderState:
        """UIDNEXT, HIGHESTMODSEQ and the message count, read together."""
        async with consistent_read(self._engine) as conn:
            row = (
                await conn.execute(select(folders.c.uidnext, folders.c.highestmodseq).where(folders.c.id == folder_id))
            ).first()
            if row is None:
                raise NoSuchFolder("no such folder", f"folder id {folder_id}")
            count = (
                await conn.execute(
                    select(func.count()).select_from(folder_messages).where(folder_messages.c.folder_id == folder_id)
                )
            ).scalar_one()
        return FolderState(folder_id, row.uidnext, row.highestmodseq, int(count))

    async def highest_modseqs(self, folder_ids: list[int]) -> dict[int, int]:
        """{folder id: HIGHESTMODSEQ} of the folders that still exist (the SQLite change poll)."""
        if not folder_ids:
            return {}
        rows = await self._reads.all(_HIGHEST_MODSEQS, {"ids": folder_ids})  # every poll: on the loop (SQLite)
        return {r.id: r.highestmodseq for r in rows}

    async def changes_since(self, folder_id: int, modseq: int, uids: UidRanges | None = None) -> list[FlagChange]:
        """Messages whose modseq is above `modseq` (RFC 7162 §3.1.4 CHANGEDSINCE), in UID order."""
        query = select(folder_messages.c.uid, folder_messages.c.flags, folder_messages.c.modseq).where(
            (folder_messages.c.folder_id == folder_id) & (folder_messages.c.modseq > modseq)
        )
        async with self._engine.connect() as conn:
            if uids is None:
                rows = list(await conn.execute(query))
            else:
                rows = []
                for batch in batches(uids):
                    rows.extend(await conn.execute(query.where(uid_clause(folder_messages.c.uid, batch))))
        return sorted((FlagChange(r.uid, r.flags, r.modseq) for r in rows), key=lambda c: c.uid)

    async def vanished_since(self, folder_id: int, modseq: int, uids: UidRanges | None = None) -> list[int]:
        """UIDs expunged with a modseq above `modseq` (RFC 7162 §3.2.10 VANISHED (EARLIER)), ascending."""
        query = select(expunged.c.uid).where((expunged.c.folder_id == folder_id) & (expunged.c.modseq > modseq))
        async with self._engine.connect() as conn:
            if uids is None:
                found = [r.uid for r in await conn.execute(query)]
            else:
                found = []
                for batch in batches(uids):
                    found.extend(r.uid for r in await conn.execute(query.where(uid_clause(expunged.c.uid, batch))))
        return sorted(found)
