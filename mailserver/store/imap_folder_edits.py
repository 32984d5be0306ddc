"""Changing the folder tree for IMAP: CREATE, DELETE, RENAME (RFC 3501 §6.3.3-6.3.5), SUBSCRIBE, UNSUBSCRIBE.

Owns the hierarchy rules: superior names are created as needed; DELETE of a name with children empties it and
keeps it as \\Noselect, and a \\Noselect name goes when its last child goes; RENAME carries the children along,
and renaming INBOX moves its messages to the new folder and leaves INBOX empty (UIDs recorded as expunged for
QRESYNC). A folder keeps its UIDVALIDITY through RENAME (its UIDs stay valid, RFC 3501 §2.3.1.1); every newly
created folder gets a UIDVALIDITY never used before in its mailbox, so no (name, UIDVALIDITY) pair ever comes
back. Folder edits of one mailbox are serialised (row lock on the mailbox on PostgreSQL, BEGIN IMMEDIATE on
SQLite). Never checks rights (the session does, with `FolderDirectory.rights`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.imap_announce import FOLDER_GONE, Publish, notify_in
from mailserver.store.imap_errors import (
    CannotDelete,
    FolderExists,
    InvalidFolderName,
    NoSuchFolder,
    UnsupportedSpecialUse,
)
from mailserver.store.imap_folders import INBOX, SEPARATOR, find_folder, normalise_name, parents_of
from mailserver.store.imap_schema import noselect_folders, uidvalidity_counters
from mailserver.store.records import Folder
from mailserver.store.schema import expunged, folder_messages, folders, mailboxes

# RFC 6154 §2 attributes (and RFC 8457 \Important); the column holds one.
SPECIAL_USES = {u.lower(): u for u in ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")}
SPECIAL_USES["\\important"] = "\\Important"
MAX_UIDVALIDITY = 2**32 - 1  # RFC 3501 §9: nz-number


class FolderEditor:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime], publish: Publish) -> None:
        self._engine = engine
        self._clock = clock
        self._publish = publish

    async def create(self, mailbox_id: int, name: str, special_use: str | None = None) -> Folder:
        """CREATE (RFC 3501 §6.3.3, RFC 6154 §3 USE); FolderExists if taken. A \\Noselect name becomes a folder."""
        name = normalise_name(name)
        use = None
        if special_use is not None:
            use = SPECIAL_USES.get(special_use.lower())
            if use is None:
                raise UnsupportedSpecialUse("this special use is not supported", f"special use {special_use[:40]!r}")
        if name == INBOX:
            raise FolderExists("INBOX exists already")
        async with writer(self._engine).begin() as conn:
            existing = await _lock_names(conn, mailbox_id)
            if name in existing and existing[name][1] is False:
                raise FolderExists("a folder of this name exists already", f"folder {name!r}")
            missing = [p for p in parents_of(name) if p not in existing]
            fresh = await _fresh_uidvalidities(conn, mailbox_id, len(missing) + 1, self._clock())
            now = self._clock()
            for parent, uidvalidity in zip(missing, fresh, strict=False):
                await conn.execute(folders.insert().values(**_new_folder(mailbox_id, parent, None, uidvalidity, now)))
            if name in existing:  # RFC 3501 §6.3.4: a \Noselect name may be created again, as a new folder
                folder_id = existing[name][0]
                await conn.execute(delete(noselect_folders).where(noselect_folders.c.folder_id == folder_id))
                await conn.execute(
                    update(folders).where(folders.c.id == folder_id).values(uidvalidity=fresh[-1], special_use=use)
                )
            else:
                await conn.execute(folders.insert().values(**_new_folder(mailbox_id, name, use, fresh[-1], now)))
            return await find_folder(conn, mailbox_id, name, selectable=True)

    async def delete(self, mailbox_id: int, name: str) -> None:
        """DELETE (RFC 3501 §6.3.4). INBOX cannot go; a name with children is emptied and becomes \\Noselect."""
        name = normalise_name(name)
        if name == INBOX:
            raise CannotDelete("INBOX cannot be deleted")
        async with writer(self._engine).begin() as conn:
            existing = await _lock_names(conn, mailbox_id)
            if name not in existing:
                raise NoSuchFolder("no such folder", f"no folder {name!r} in mailbox {mailbox_id}")
            folder_id, noselect = existing[name]
            uidvalidity = (
                await conn.execute(select(folders.c.uidvalidity).where(folders.c.id == folder_id))
            ).scalar_one()
            await _raise_counter(conn, mailbox_id, int(uidvalidity))
            if any(other.startswith(name + SEPARATOR) for other in existing):
                if noselect:
                    raise CannotDelete("this name has children and holds no messages", f"folder {name!r}")
                await conn.execute(delete(folder_messages).where(folder_messages.c.folder_id == folder_id))
                await conn.execute(delete(expunged).where(expunged.c.folder_id == folder_id))
                await conn.execute(noselect_folders.insert().values(folder_id=folder_id))
            else:
                await conn.execute(delete(folders).where(folders.c.id == folder_id))
                del existing[name]
                await _drop_empty_placeholders(conn, existing, parents_of(name))
            await notify_in(conn, [(folder_id, FOLDER_GONE)])
        self._publish([(folder_id, FOLDER_GONE)])

    async def rename(self, mailbox_id: int, old: str, new: str) -> Folder:
        """RENAME (RFC 3501 §6.3.5): children follow; INBOX's messages move to `new`, INBOX stays, empty."""
        old, new = normalise_name(old), normalise_name(new)
        if new == INBOX or old == new:
            raise FolderExists("a folder of this name exists already")
        if new.startswith(old + SEPARATOR):
            raise InvalidFolderName("a folder cannot be moved under itself")
        async with writer(self._engine).begin() as conn:
            existing = await _lock_names(conn, mailbox_id)
            if old not in existing:
                raise NoSuchFolder("no such folder", f"no folder {old!r} in mailbox {mailbox_id}")
            if old == INBOX:
                folder, changes = await self._rename_inbox(conn, mailbox_id, existing, new)
                await notify_in(conn, changes)
            else:
                folder = await self._rename_tree(conn, mailbox_id, existing, old, new)
                changes = []
        if changes:
            self._publish(changes)
        return folder

    async def _rename_tree(
        self, conn: AsyncConnection, mailbox_id: int, existing: dict[str, tuple[int, bool]], old: str, new: str
    ) -> Folder:
        moving = [n for n in existing if n == old or n.startswith(old + SEPARATOR)]
        targets = {n: new + n[len(old) :] for n in moving}
        if any(t in existing for t in targets.values()):
            raise FolderExists("a folder of this name exists already", f"rename target under {new!r}")
        missing = [p for p in parents_of(new) if p not in existing]
        fresh = await _fresh_uidvalidities(conn, mailbox_id, len(missing), self._clock())
        for parent, uidvalidity in zip(missing, fresh, strict=True):
            await conn.execute(
                folders.insert().values(**_new_folder(mailbox_id, parent, None, uidvalidity, self._clock()))
            )
        for before, after in targets.items():
            await conn.execute(update(folders).where(folders.c.id == existing[before][0]).values(name=after))
            existing[after] = existing.pop(before)
        await _drop_empty_placeholders(conn, existing, parents_of(old))
        return await find_folder(conn, mailbox_id, new, selectable=False)

    async def _rename_inbox(
        self, conn: AsyncConnection, mailbox_id: int, existing: dict[str, tuple[int, bool]], new: str
    ) -> tuple[Folder, list[tuple[int, int]]]:
        if new in existing:
            raise FolderExists("a folder of this name exists already", f"folder {new!r}")
        inbox = await find_folder(conn, mailbox_id, INBOX, selectable=True)
        missing = [p for p in parents_of(new) if p not in existing]
        fresh = await _fresh_uidvalidities(conn, mailbox_id, len(missing) + 1, self._clock())
        now = self._clock()
        for parent, uidvalidity in zip(missing, fresh, strict=False):
            await conn.execute(folders.insert().values(**_new_folder(mailbox_id, parent, None, uidvalidity, now)))
        values = _new_folder(mailbox_id, new, None, fresh[-1], now)
        values.update(uidnext=inbox.uidnext, highestmodseq=inbox.highestmodseq)
        target = (await conn.execute(folders.insert().values(**values))).inserted_primary_key
        assert target is not None
        modseq = inbox.highestmodseq + 1  # RFC 7162 §3.2.10: INBOX's messages vanish from it
        await conn.execute(
            insert(expunged).from_select(
                ["folder_id", "uid", "modseq"],
                select(folder_messages.c.folder_id, folder_messages.c.uid, literal_column(str(int(modseq)))).where(
                    folder_messages.c.folder_id == inbox.id
                ),
            )
        )
        await conn.execute(
            update(folder_messages).where(folder_messages.c.folder_id == inbox.id).values(folder_id=target[0])
        )
        await conn.execute(update(folders).where(folders.c.id == inbox.id).values(highestmodseq=modseq))
        folder = await find_folder(conn, mailbox_id, new, selectable=True)
        return folder, [(inbox.id, modseq), (folder.id, folder.highestmodseq)]

    async def subscribe(self, mailbox_id: int, name: str, subscribed: bool = True) -> None:
        """SUBSCRIBE / UNSUBSCRIBE (RFC 3501 §6.3.6-7); only existing folders can be subscribed here."""
        name = normalise_name(name)
        async with writer(self._engine).begin() as conn:
            result = await conn.execute(
                update(folders)
                .where((folders.c.mailbox_id == mailbox_id) & (folders.c.name == name))
                .values(subscribed=subscribed)
            )
            if result.rowcount == 0:
                raise NoSuchFolder("no such folder", f"no folder {name!r} in mailbox {mailbox_id}")


def _new_folder(mailbox_id: int, name: str, use: str | None, uidvalidity: int, now: datetime) -> dict[str, object]:
    return dict(
        mailbox_id=mailbox_id,
        name=name,
        special_use=use,
        uidvalidity=uidvalidity,
        uidnext=1,
        highestmodseq=1,
        subscribed=True,
        created_at=now,
    )


async def _lock_names(conn: AsyncConnection, mailbox_id: int) -> dict[str, tuple[int, bool]]:
    """Lock the mailbox's folder tree for this transaction; {name: (folder id, is \\Noselect)}."""
    locked = (await conn.execute(select(mailboxes.c.id).where(mailboxes.c.id == mailbox_id).with_for_update())).scalar()
    if locked is None:
        raise NoSuchFolder("no such mailbox", f"mailbox id {mailbox_id}")
    rows = (
        await conn.execute(
            select(folders.c.id, folders.c.name, noselect_folders.c.folder_id.label("noselect"))
            .outerjoin(noselect_folders, noselect_folders.c.folder_id == folders.c.id)
            .where(folders.c.mailbox_id == mailbox_id)
        )
    ).all()
    return {r.name: (r.id, r.noselect is not None) for r in rows}


async def _drop_empty_placeholders(
    conn: AsyncConnection, existing: dict[str, tuple[int, bool]], candidates: list[str]
) -> None:
    """Delete \\Noselect names among `candidates` (innermost first) that no longer have any child."""
    for name in reversed(candidates):
        entry = existing.get(name)
        if entry is None or not entry[1] or any(o.startswith(name + SEPARATOR) for o in existing):
            continue
        await conn.execute(delete(folders).where(folders.c.id == entry[0]))
        del existing[name]


async def _fresh_uidvalidities(conn: AsyncConnection, mailbox_id: int, count: int, now: datetime) -> list[int]:
    """`count` UIDVALIDITY values above every value this mailbox has used (RFC 3501 §2.3.1.1)."""
    if count == 0:
        return []
    top = (
        await conn.execute(select(func.max(folders.c.uidvalidity)).where(folders.c.mailbox_id == mailbox_id))
    ).scalar() or 0
    last = (
        await conn.execute(select(uidvalidity_counters.c.last).where(uidvalidity_counters.c.mailbox_id == mailbox_id))
    ).scalar() or 0
    first = max(int(now.timestamp()), int(top) + 1, int(last) + 1)
    if first + count - 1 > MAX_UIDVALIDITY:
        raise InvalidFolderName("no folder can be created in this mailbox any more", "UIDVALIDITY exhausted")
    await _raise_counter(conn, mailbox_id, first + count - 1)
    return list(range(first, first + count))


async def _raise_counter(conn: AsyncConnection, mailbox_id: int, value: int) -> None:
    last = (
        await conn.execute(select(uidvalidity_counters.c.last).where(uidvalidity_counters.c.mailbox_id == mailbox_id))
    ).scalar()
    if last is None:
        await conn.execute(uidvalidity_counters.insert().values(mailbox_id=mailbox_id, last=value))
    elif value > last:
        await conn.execute(
            update(uidvalidity_counters).where(uidvalidity_counters.c.mailbox_id == mailbox_id).values(last=value)
        )
