"""COPY and UID COPY (RFC 3501 §6.4.7) with COPYUID (RFC 4315 §3) and TRYCREATE.

Owns copying the messages a set names (flags and INTERNALDATE kept, each stored once) into another folder of any
mailbox the user may insert into ("i" right). A missing target is `NO [TRYCREATE]`; an empty selection copies
nothing and is OK without COPYUID. Never copies from messages the client has not been told about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies, wire
from mailserver.imap.parser import Copy
from mailserver.imap.places import Place
from mailserver.imap.replies import Reply, done
from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.imap_records import CopyResult

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def target_folder(session: Session, name: str) -> tuple[Place, int] | Reply:
    """The target's place and folder id, or the reply refusing it (TRYCREATE, NOPERM)."""
    user = session.user
    assert user is not None
    try:
        place = user.places.resolve(name)
    except NoSuchFolder:
        return replies.NO_SUCH_MAILBOX
    if not place.may("i"):
        return replies.NO_PERMISSION
    try:
        folder = await session.services.view.directory.folder(place.mailbox_id, place.folder)
    except NoSuchFolder:
        return replies.TRYCREATE  # RFC 3501 §6.4.7
    return place, folder.id


def copyuid(result: CopyResult) -> str:
    source = wire.sequence_text(result.source_uids).decode("ascii")
    target = wire.sequence_text(result.target_uids).decode("ascii")
    return f"COPYUID {result.uidvalidity} {source} {target}"


async def run(session: Session, tag: str, command: Copy) -> Reply:
    selected = session.selected
    assert selected is not None
    intervals = selected.intervals(command.sequence_set, uid=command.uid)
    target = await target_folder(session, command.mailbox)
    if isinstance(target, Reply):
        return target
    if not intervals:
        return done("COPY")
    result = await session.services.view.copier.copy(selected.folder_id, selected.uid_ranges(intervals), target[1])
    return done("COPY", copyuid(result) if result.source_uids else None)
