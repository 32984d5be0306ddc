"""Writing flags and expunging for IMAP: STORE (with CONDSTORE's UNCHANGEDSINCE), \\Seen on body fetch, EXPUNGE.

Owns the RFC 7162 modseq rules on these writes: one write that changes something raises the folder's
HIGHESTMODSEQ by one and stamps every row it changed with the new value; a write that changes nothing leaves both
alone; an expunge records each UID in `expunged` with its modseq (for VANISHED, RFC 7162 §3.2.10). Each call is one
transaction that first locks the folder row (PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE), so
concurrent writers never lose an update. Announces its changes (NOTIFY in the transaction, in-process after the
commit). Never decides what the user may do; messages and blobs left unreferenced are `imap_gc`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.imap_announce import Publish, notify_in
from mailserver.store.imap_criteria import UidRanges
from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.imap_flagtext import SEEN, FlagOperation, apply_flags, canonical_flags
from mailserver.store.imap_records import ExpungeResult, FlagChange, StoreResult
from mailserver.store.imap_uidsets import batches, uid_clause
from mailserver.store.schema import expunged, folder_messages, folders


async def lock_folders(conn: AsyncConnection, folder_ids: Sequence[int]) -> dict[int, int]:
    """Lock folder rows in id order (no deadlock between two writers); {folder id: highestmodseq}."""
    wanted = sorted(set(folder_ids))
    rows = (
        await conn.execute(
            select(folders.c.id, folders.c.highestmodseq)
            .where(folders.c.id.in_(wanted))
            .order_by(folders.c.id)
            .with_for_update()
        )
    ).all()
    found = {r.id: r.highestmodseq for r in rows}
    for folder_id in wanted:
        if folder_id not in found:
            raise NoSuchFolder("no such folder", f"folder id {folder_id}")
    return found


class FlagWriter:
    def __init__(self, engine: AsyncEngine, publish: Publish) -> None:
        self._engine = engine
        self._publish = publish

    async def store(
        self,
        folder_id: int,
        uids: UidRanges,
        operation: FlagOperation,
        flags: Sequence[str],
        *,
        unchanged_since: int | None = None,
    ) -> StoreResult:
        """STORE (RFC 3501 §6.4.6) on the UIDs present; UNCHANGEDSINCE per RFC 7162 §3.1.3."""
        wanted = canonical_flags(flags)
        fm = folder_messages.c
        async with writer(self._engine).begin() as conn:
            highest = (await lock_folders(conn, [folder_id]))[folder_id]
            plans = list(batches(uids))
            failed: list[int] = []
            if unchanged_since is not None:  # RFC 7162 §3.1.3: these fail, whatever the flags would become
                for batch in plans:
                    failed.extend(
                        r.uid
                        for r in await conn.execute(
                            select(fm.uid).where(_in(folder_id, batch) & (fm.modseq > unchanged_since))
                        )
                    )

            def eligible(batch: list[tuple[int, int]]) -> ColumnElement[bool]:
                clause = _in(folder_id, batch)
                return clause if unchanged_since is None else clause & (fm.modseq <= unchanged_since)

            olds: set[str] = set()
            for batch in plans:  # a folder holds few distinct flag texts: decide per text, update per text
                olds.update(r.flags for r in await conn.execute(select(fm.flags).distinct().where(eligible(batch))))
            moves = {old: new for old in olds if (new := apply_flags(old, operation, wanted)) != old}
            if not moves:
                return StoreResult([], sorted(failed), highest)
            modseq = highest + 1
            await conn.execute(update(folders).where(folders.c.id == folder_id).values(highestmodseq=modseq))
            changed: list[FlagChange] = []
            for batch in plans:
                for old, new in moves.items():
                    result = await conn.execute(
                        update(folder_messages)
                        .where(eligible(batch) & (fm.flags == old))
                        .values(flags=new, modseq=modseq)
                        .returning(fm.uid)
                    )
                    changed.extend(FlagChange(uid, new, modseq) for (uid,) in result)
            await notify_in(conn, [(folder_id, modseq)])
        self._publish([(folder_id, modseq)])
        changed.sort(key=lambda c: c.uid)
        return StoreResult(changed, sorted(failed), modseq)

    async def mark_seen(self, folder_id: int, uids: UidRanges) -> StoreResult:
        """RFC 3501 §6.4.5: BODY[] (not BODY.PEEK) sets \\Seen; `changed` lists the messages that were unseen."""
        return await self.store(folder_id, uids, FlagOperation.ADD, (SEEN,))

    async def expunge(self, folder_id: int, uids: UidRanges | None = None) -> ExpungeResult:
        """EXPUNGE, or UID EXPUNGE on `uids` (RFC 4315 §2.1): remove the messages flagged \\Deleted."""
        async with writer(self._engine).begin() as conn:
            highest = (await lock_folders(conn, [folder_id]))[folder_id]
            probe = func.instr if conn.dialect.name == "sqlite" else func.strpos
            deleted = probe(folder_messages.c.flags, "\\Deleted") > 0  # canonical case; "\" never in a keyword
            clauses = [(folder_messages.c.folder_id == folder_id) & deleted]
            if uids is not None:
                clauses = [clauses[0] & uid_clause(folder_messages.c.uid, batch) for batch in batches(uids)]
            gone: list[int] = []
            for clause in clauses:
                result = await conn.execute(delete(folder_messages).where(clause).returning(folder_messages.c.uid))
                gone.extend(uid for (uid,) in result)
            if not gone:
                return ExpungeResult([], highest)
            modseq = highest + 1
            await conn.execute(expunged.insert(), [{"folder_id": folder_id, "uid": u, "modseq": modseq} for u in gone])
            await conn.execute(update(folders).where(folders.c.id == folder_id).values(highestmodseq=modseq))
            await notify_in(conn, [(folder_id, modseq)])
        self._publish([(folder_id, modseq)])
        return ExpungeResult(sorted(gone), modseq)


def _in(folder_id: int, batch: list[tuple[int, int]]) -> ColumnElement[bool]:
    return (folder_messages.c.folder_id == folder_id) & uid_clause(folder_messages.c.uid, batch)
