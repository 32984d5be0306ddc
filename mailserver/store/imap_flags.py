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

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.imap_announce import Publish, notify_in
from mailserver.store.imap_criteria import UidRanges
from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.imap_flagtext import SEEN, FlagOperation, apply_flags, canonical_flags
from mailserver.store.imap_records import ExpungeResult, FlagChange, StoreResult
from mailserver.store.imap_uidsets import batches, uid_clause
from mailserver.store.schema import expunged, folder_messages, folders

ROWS_PER_STATEMENT = 500


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


def chunks(values: Sequence[int], size: int = ROWS_PER_STATEMENT) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


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
        async with writer(self._engine).begin() as conn:
            highest = (await lock_folders(conn, [folder_id]))[folder_id]
            failed: list[int] = []
            groups: dict[str, list[int]] = {}
            outcome: dict[str, str] = {}  # old text -> new text: few distinct texts in a folder
            for batch in batches(uids):
                rows = await conn.execute(
                    select(folder_messages.c.uid, folder_messages.c.flags, folder_messages.c.modseq).where(
                        (folder_messages.c.folder_id == folder_id) & uid_clause(folder_messages.c.uid, batch)
                    )
                )
                for uid, old, modseq in rows:
                    if unchanged_since is not None and modseq > unchanged_since:
                        failed.append(uid)
                        continue
                    new = outcome.get(old)
                    if new is None:
                        new = outcome[old] = apply_flags(old, operation, wanted)
                    if new != old:
                        groups.setdefault(new, []).append(uid)
            if not groups:
                return StoreResult([], sorted(failed), highest)
            modseq = highest + 1
            await conn.execute(update(folders).where(folders.c.id == folder_id).values(highestmodseq=modseq))
            changed: list[FlagChange] = []
            for text, group in groups.items():
                for part in chunks(group):
                    await conn.execute(
                        update(folder_messages)
                        .where((folder_messages.c.folder_id == folder_id) & folder_messages.c.uid.in_(part))
                        .values(flags=text, modseq=modseq)
                    )
                changed.extend(FlagChange(uid, text, modseq) for uid in group)
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
            gone = await _deleted_rows(conn, folder_id, uids)
            if not gone:
                return ExpungeResult([], highest)
            modseq = highest + 1
            await remove_rows(conn, folder_id, gone, modseq)
            await conn.execute(update(folders).where(folders.c.id == folder_id).values(highestmodseq=modseq))
            await notify_in(conn, [(folder_id, modseq)])
        self._publish([(folder_id, modseq)])
        return ExpungeResult(sorted(uid for _, uid in gone), modseq)


async def _deleted_rows(conn: AsyncConnection, folder_id: int, uids: UidRanges | None) -> list[tuple[int, int]]:
    """(row id, uid) of the folder's \\Deleted messages, within `uids` when given."""
    probe = func.instr if conn.dialect.name == "sqlite" else func.strpos
    deleted = probe(folder_messages.c.flags, "\\Deleted") > 0  # canonical case; "\" never in a keyword
    query = select(folder_messages.c.id, folder_messages.c.uid).where(
        (folder_messages.c.folder_id == folder_id) & deleted
    )
    if uids is None:
        return [(r.id, r.uid) for r in await conn.execute(query)]
    found: list[tuple[int, int]] = []
    for batch in batches(uids):
        found.extend((r.id, r.uid) for r in await conn.execute(query.where(uid_clause(folder_messages.c.uid, batch))))
    return found


async def remove_rows(conn: AsyncConnection, folder_id: int, rows: list[tuple[int, int]], modseq: int) -> None:
    """Delete folder rows [(row id, uid)] and record their UIDs as expunged at `modseq`."""
    for part in chunks([row_id for row_id, _ in rows]):
        await conn.execute(delete(folder_messages).where(folder_messages.c.id.in_(part)))
    await conn.execute(expunged.insert(), [{"folder_id": folder_id, "uid": uid, "modseq": modseq} for _, uid in rows])
