"""COPY, MOVE and APPEND for IMAP, with what UIDPLUS reports (RFC 4315 COPYUID and APPENDUID).

Owns giving the copied messages new UIDs in the target folder in source UID order, and MOVE (RFC 6851) as one
transaction: the rows change folder in place (so the message keeps its delivery record and its flags), the source
records the UIDs as expunged, and both folders' HIGHESTMODSEQ rise. A missing or \\Noselect target raises
NoSuchFolder / FolderNotSelectable (the session answers `NO [TRYCREATE]` for the first). APPEND goes through
`MailStore.append`, the delivery path. Never checks rights (the session does) and never copies a blob: a message is
stored once however many folders hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.errors import NotFound
from mailserver.store.engine import writer
from mailserver.store.imap_announce import Publish, notify_in
from mailserver.store.imap_criteria import UidRanges
from mailserver.store.imap_errors import FolderNotSelectable, NoSuchFolder
from mailserver.store.imap_flags import lock_folders
from mailserver.store.imap_flagtext import canonical_flags, flags_text
from mailserver.store.imap_folders import FolderDirectory, normalise_name
from mailserver.store.imap_records import Appended, CopyResult, ExpungeResult
from mailserver.store.imap_schema import noselect_folders
from mailserver.store.imap_uidsets import batches, uid_clause
from mailserver.store.mail import MailStore, NewMessage
from mailserver.store.schema import expunged, folder_messages, folders


class MessageCopier:
    def __init__(self, engine: AsyncEngine, mail: MailStore, directory: FolderDirectory, publish: Publish) -> None:
        self._engine = engine
        self._mail = mail
        self._directory = directory
        self._publish = publish

    async def copy(self, source_id: int, uids: UidRanges, target_id: int) -> CopyResult:
        """COPY / UID COPY (RFC 3501 §6.4.7): new rows in the target, flags and INTERNALDATE kept."""
        return await self._transfer(source_id, uids, target_id, move=False)

    async def move(self, source_id: int, uids: UidRanges, target_id: int) -> CopyResult:
        """MOVE / UID MOVE (RFC 6851 §3): copy and expunge from the source, atomically."""
        return await self._transfer(source_id, uids, target_id, move=True)

    async def _transfer(self, source_id: int, uids: UidRanges, target_id: int, *, move: bool) -> CopyResult:
        async with writer(self._engine).begin() as conn:
            highest = await lock_folders(conn, [source_id, target_id])
            target = await _target(conn, target_id)
            rows = await _rows(conn, source_id, uids)
            if not rows:
                return CopyResult(target.uidvalidity, [], [], target_id)
            count = len(rows)
            first = target.uidnext
            target_modseq = highest[target_id] + 1
            await conn.execute(
                update(folders)
                .where(folders.c.id == target_id)
                .values(uidnext=first + count, highestmodseq=target_modseq)
            )
            new_uids = list(range(first, first + count))
            if move:
                await _move_rows(conn, rows, target_id, new_uids, target_modseq)
                source_modseq = target_modseq if source_id == target_id else highest[source_id] + 1
                await conn.execute(expunged.insert(), _expunged(source_id, rows, source_modseq))
                await conn.execute(update(folders).where(folders.c.id == source_id).values(highestmodseq=source_modseq))
                changes = [(target_id, target_modseq), (source_id, source_modseq)]
                gone = ExpungeResult([r[1] for r in rows], source_modseq)
            else:
                await conn.execute(
                    folder_messages.insert(),
                    [
                        {
                            "folder_id": target_id,
                            "uid": uid,
                            "message_id": r[2],
                            "modseq": target_modseq,
                            "flags": r[3],
                            "internal_date": r[4],
                        }
                        for r, uid in zip(rows, new_uids, strict=True)
                    ],
                )
                changes = [(target_id, target_modseq)]
                gone = None
            await notify_in(conn, changes)
        self._publish(changes)
        return CopyResult(target.uidvalidity, [r[1] for r in rows], new_uids, target_id, gone)

    async def append(
        self, mailbox_id: int, folder_name: str, message: NewMessage, flags: Sequence[str] = ()
    ) -> Appended:
        """APPEND (RFC 3501 §6.3.11) through the delivery path; answers after the commit, with APPENDUID data."""
        name = normalise_name(folder_name)
        folder = await self._directory.folder(mailbox_id, name)
        text = flags_text(canonical_flags(flags))
        try:
            stored = await self._mail.append(mailbox_id, name, message, text)
        except NotFound:
            raise NoSuchFolder("no such folder", f"no folder {name!r} in mailbox {mailbox_id}") from None
        if stored.folder_id != folder.id:  # deleted and created again meanwhile
            folder = await self._directory.folder_by_id(stored.folder_id)
        return Appended(stored.folder_id, folder.uidvalidity, stored.uid, stored.modseq)


@dataclass(frozen=True, slots=True)
class _Target:
    uidvalidity: int
    uidnext: int


async def _target(conn: AsyncConnection, target_id: int) -> _Target:
    row = (
        await conn.execute(
            select(folders.c.uidvalidity, folders.c.uidnext, noselect_folders.c.folder_id.label("noselect"))
            .outerjoin(noselect_folders, noselect_folders.c.folder_id == folders.c.id)
            .where(folders.c.id == target_id)
        )
    ).first()
    if row is None:
        raise NoSuchFolder("no such folder", f"folder id {target_id}")
    if row.noselect is not None:
        raise FolderNotSelectable("this name holds only other folders", f"folder id {target_id} is \\Noselect")
    return _Target(row.uidvalidity, row.uidnext)


async def _rows(conn: AsyncConnection, source_id: int, uids: UidRanges) -> list[tuple[int, int, int, str, object]]:
    """(row id, uid, message id, flags, internal date) of the source messages, in UID order."""
    found: list[tuple[int, int, int, str, object]] = []
    for batch in batches(uids):
        rows = await conn.execute(
            select(
                folder_messages.c.id,
                folder_messages.c.uid,
                folder_messages.c.message_id,
                folder_messages.c.flags,
                folder_messages.c.internal_date,
            )
            .where((folder_messages.c.folder_id == source_id) & uid_clause(folder_messages.c.uid, batch))
            .order_by(folder_messages.c.uid)
        )
        found.extend((r.id, r.uid, r.message_id, r.flags, r.internal_date) for r in rows)
    return found


async def _move_rows(
    conn: AsyncConnection,
    rows: list[tuple[int, int, int, str, object]],
    target_id: int,
    new_uids: list[int],
    modseq: int,
) -> None:
    await conn.execute(
        update(folder_messages)
        .where(folder_messages.c.id == bindparam("row_id"))
        .values(folder_id=target_id, uid=bindparam("new_uid"), modseq=modseq),
        [{"row_id": r[0], "new_uid": uid} for r, uid in zip(rows, new_uids, strict=True)],
    )


def _expunged(folder_id: int, rows: list[tuple[int, int, int, str, object]], modseq: int) -> list[dict[str, int]]:
    return [{"folder_id": folder_id, "uid": r[1], "modseq": modseq} for r in rows]
