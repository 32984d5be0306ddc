"""MOVE and UID MOVE (RFC 6851): COPYUID first (`* OK [COPYUID ...]`), then the expunges, then the tagged OK.

Owns the atomic move (one transaction in the store) and telling the client that the moved messages left the
folder (EXPUNGE, or VANISHED under QRESYNC). Needs a writable folder, the "t" and "e" rights here and "i" on the
target. A missing target is `NO [TRYCREATE]`. Never reports a move that did not commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies, updates
from mailserver.imap.commands.copy import copyuid, target_folder
from mailserver.imap.parser import Move
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Move) -> Reply:
    selected = session.selected
    assert selected is not None
    intervals = selected.intervals(command.sequence_set, uid=command.uid)
    if selected.read_only:
        return replies.READ_ONLY
    if not selected.place.may("te"):
        return replies.NO_PERMISSION
    target = await target_folder(session, command.mailbox)
    if isinstance(target, Reply):
        return target
    if not intervals:
        return done("MOVE")
    view = session.services.view
    result = await view.copier.move(selected.folder_id, selected.uid_ranges(intervals), target[1])
    if result.source_uids:
        session.out.write(b"* OK [" + copyuid(result).encode("ascii") + b"] Moved\r\n")
        await updates.tell_expunges(session, selected, result.source_uids)
    return done("MOVE")
