"""Reading folders for IMAP: who may open which mailbox, folder lookup by name, LIST and STATUS counts.

Owns the access view (a user's own mailbox with every right, plus ORG/CAB mailboxes delegated to them with the
delegation's RFC 4314 rights), folder-name normalisation (hierarchy separator "/", INBOX without case,
RFC 3501 §5.1) and the counts of STATUS and LIST-STATUS (RFC 5819) for every folder of several mailboxes in two
queries. Never writes; never decides what a right allows (the session does).
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Sequence

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.imap_errors import FolderNotSelectable, InvalidFolderName, NoSuchFolder
from mailserver.store.imap_records import FolderStatus, MailboxAccess
from mailserver.store.imap_schema import noselect_folders
from mailserver.store.loop_reads import LoopReader
from mailserver.store.records import Folder
from mailserver.store.schema import delegations, folder_messages, folders, mailboxes, messages

SEPARATOR = "/"
INBOX = "INBOX"
OWNER_RIGHTS = "lrswipkxtea"  # RFC 4314 §2.1: every right
MAX_NAME_LENGTH = 500  # folders.name
MAX_DEPTH = 32


# Built once: every SELECT of a folder selected before runs it (SQLAlchemy then keeps its cache key too).
_FOLDER_BY_ID = (
    select(folders, noselect_folders.c.folder_id.label("noselect"))
    .outerjoin(noselect_folders, noselect_folders.c.folder_id == folders.c.id)
    .where(folders.c.id == bindparam("folder_id"))
)


def normalise_name(name: str) -> str:
    """The stored form of a folder name; InvalidFolderName when it cannot be one.

    RFC 3501 §5.1: INBOX is case-insensitive, also as the first level of a hierarchy ("inbox/x" is "INBOX/x").
    Empty levels, the LIST wildcards and control characters are refused.
    """
    levels = name.split(SEPARATOR)
    if levels[0].upper() == INBOX:
        levels[0] = INBOX
    if len(name) > MAX_NAME_LENGTH or len(levels) > MAX_DEPTH or any(not level for level in levels):
        raise InvalidFolderName("invalid folder name", "empty level, too deep or too long")
    if any(c in "*%" or unicodedata.category(c) in ("Cc", "Cs") for c in name):  # RFC 3501 §6.3.8 wildcards
        raise InvalidFolderName("invalid folder name", "wildcard or control character")
    return SEPARATOR.join(levels)


def parents_of(name: str) -> list[str]:
    """The superior names of `name`, outermost first ("a/b/c" → ["a", "a/b"])."""
    levels = name.split(SEPARATOR)
    return [SEPARATOR.join(levels[:i]) for i in range(1, len(levels))]


def _folder(row: object) -> Folder:
    m = row._mapping  # type: ignore[attr-defined]
    return Folder(
        m["id"],
        m["mailbox_id"],
        m["name"],
        m["special_use"],
        m["uidvalidity"],
        m["uidnext"],
        m["highestmodseq"],
        m["subscribed"],
    )


class FolderDirectory:
    def __init__(self, engine: AsyncEngine, reads: LoopReader) -> None:
        self._engine = engine
        self._reads = reads  # the view's, closed with it

    async def accessible_mailboxes(self, user_mailbox_id: int) -> list[MailboxAccess]:
        """The user's own mailbox first, then the active mailboxes delegated to them, by address."""
        async with self._engine.connect() as conn:
            own = (await conn.execute(select(mailboxes).where(mailboxes.c.id == user_mailbox_id))).first()
            shared = (
                await conn.execute(
                    select(mailboxes, delegations.c.rights)
                    .join(delegations, delegations.c.mailbox_id == mailboxes.c.id)
                    .where((delegations.c.grantee_id == user_mailbox_id) & (mailboxes.c.status == "active"))
                    .order_by(mailboxes.c.address)
                )
            ).all()
        found = [] if own is None else [MailboxAccess(own.id, own.address, own.type, OWNER_RIGHTS, False)]
        return found + [MailboxAccess(r.id, r.address, r.type, r.rights, True) for r in shared]

    async def rights(self, user_mailbox_id: int, mailbox_id: int) -> str:
        """RFC 4314 rights of the user on a mailbox: all on their own, the delegation's on a shared one, else ""."""
        if user_mailbox_id == mailbox_id:
            return OWNER_RIGHTS
        async with self._engine.connect() as conn:
            rights = (
                await conn.execute(
                    select(delegations.c.rights)
                    .join(mailboxes, mailboxes.c.id == delegations.c.mailbox_id)
                    .where(
                        (delegations.c.grantee_id == user_mailbox_id)
                        & (delegations.c.mailbox_id == mailbox_id)
                        & (mailboxes.c.status == "active")
                    )
                )
            ).scalar()
        return rights or ""

    async def folder(self, mailbox_id: int, name: str, *, selectable: bool = True) -> Folder:
        """The folder by name; NoSuchFolder if absent, FolderNotSelectable if \\Noselect and `selectable`."""
        async with self._engine.connect() as conn:
            return await find_folder(conn, mailbox_id, normalise_name(name), selectable=selectable)

    async def prepare(self) -> None:
        """Compile the folder lookups of SELECT now rather than in the first SELECT of the process."""
        with contextlib.suppress(NoSuchFolder):
            await self.folder(0, "INBOX")
        with contextlib.suppress(NoSuchFolder):
            await self.folder_by_id(0)

    async def folder_by_id(self, folder_id: int, *, selectable: bool = False) -> Folder:
        """The folder by id; NoSuchFolder if absent, FolderNotSelectable if \\Noselect and `selectable`."""
        row = await self._reads.first(_FOLDER_BY_ID, {"folder_id": folder_id})  # every SELECT: on the loop (SQLite)
        if row is None:
            raise NoSuchFolder("no such folder", f"folder id {folder_id}")
        if selectable and row.noselect is not None:
            raise FolderNotSelectable("this name holds only other folders", f"folder id {folder_id} is \\Noselect")
        return _folder(row)

    async def list_folders(
        self, mailbox_ids: Sequence[int], *, with_counts: bool = True, with_size: bool = False
    ) -> list[FolderStatus]:
        """Every folder of the mailboxes with LIST attributes and STATUS counts, by (mailbox, name).

        Without `with_counts` (a plain LIST) the message counts are 0 and no message row is read."""
        if not mailbox_ids:
            return []
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(folders, noselect_folders.c.folder_id.label("noselect"))
                    .outerjoin(noselect_folders, noselect_folders.c.folder_id == folders.c.id)
                    .where(folders.c.mailbox_id.in_(list(mailbox_ids)))
                    .order_by(folders.c.mailbox_id, folders.c.name)
                )
            ).all()
            counts = await _counts(conn, [r.id for r in rows], with_size) if with_counts else {}
        parents = {(r.mailbox_id, p) for r in rows for p in parents_of(r.name)}
        out: list[FolderStatus] = []
        for r in rows:
            total, unseen, deleted, size = counts.get(r.id, (0, 0, 0, 0))
            out.append(
                FolderStatus(
                    id=r.id,
                    mailbox_id=r.mailbox_id,
                    name=r.name,
                    special_use=r.special_use,
                    subscribed=r.subscribed,
                    noselect=r.noselect is not None,
                    has_children=(r.mailbox_id, r.name) in parents,
                    uidvalidity=r.uidvalidity,
                    uidnext=r.uidnext,
                    highestmodseq=r.highestmodseq,
                    messages=total,
                    unseen=unseen,
                    deleted=deleted,
                    size=size if with_size else None,
                )
            )
        return out

    async def status(self, folder_id: int, *, with_size: bool = False) -> FolderStatus:
        """STATUS of one folder (RFC 3501 §6.3.10)."""
        folder = await self.folder_by_id(folder_id)
        for status in await self.list_folders([folder.mailbox_id], with_size=with_size):
            if status.id == folder_id:
                return status
        raise NoSuchFolder("no such folder", f"folder id {folder_id}")


async def find_folder(conn: AsyncConnection, mailbox_id: int, name: str, *, selectable: bool) -> Folder:
    """The folder of a normalised name, read on `conn`."""
    row = (
        await conn.execute(
            select(folders, noselect_folders.c.folder_id.label("noselect"))
            .outerjoin(noselect_folders, noselect_folders.c.folder_id == folders.c.id)
            .where((folders.c.mailbox_id == mailbox_id) & (folders.c.name == name))
        )
    ).first()
    if row is None:
        raise NoSuchFolder("no such folder", f"no folder {name!r} in mailbox {mailbox_id}")
    if selectable and row.noselect is not None:
        raise FolderNotSelectable("this name holds only other folders", f"folder {name!r} is \\Noselect")
    return _folder(row)


async def _counts(
    conn: AsyncConnection, folder_ids: list[int], with_size: bool
) -> dict[int, tuple[int, int, int, int]]:
    """(messages, unseen, deleted, size) per folder, in one grouped query."""
    if not folder_ids:
        return {}
    flags = folder_messages.c.flags
    # System flags are stored in their canonical case and "\" never occurs in a keyword (imap_flagtext).
    probe = func.instr if conn.dialect.name == "sqlite" else func.strpos
    columns = [
        folder_messages.c.folder_id,
        func.count().label("total"),
        func.sum(case((probe(flags, "\\Seen") == 0, 1), else_=0)).label("unseen"),
        func.sum(case((probe(flags, "\\Deleted") > 0, 1), else_=0)).label("deleted"),
    ]
    query = select(*columns)
    if with_size:
        query = select(*columns, func.sum(messages.c.size).label("size")).join(
            messages, messages.c.id == folder_messages.c.message_id
        )
    query = query.where(folder_messages.c.folder_id.in_(folder_ids)).group_by(folder_messages.c.folder_id)
    rows = (await conn.execute(query)).all()
    return {r.folder_id: (int(r.total), int(r.unseen), int(r.deleted), int(r.size) if with_size else 0) for r in rows}
