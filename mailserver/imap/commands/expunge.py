"""EXPUNGE and UID EXPUNGE (RFC 3501 §6.4.3, RFC 4315 §2.1).

Owns removing the \\Deleted messages (all, or those of a UID set) and telling the client at once (EXPUNGE, or
VANISHED under QRESYNC), with what other sessions expunged meanwhile; the tagged OK carries HIGHESTMODSEQ once
CONDSTORE is on (RFC 7162 §3.1.10 example) and nothing remains untold. Needs a writable folder and the "e" right.
Each expunge is traced in the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies, updates
from mailserver.imap.parser import Expunge
from mailserver.imap.replies import Reply, done
from mailserver.imap.selected import compact

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Expunge) -> Reply:
    selected = session.selected
    user = session.user
    assert selected is not None and user is not None
    if selected.read_only:
        return replies.READ_ONLY
    if not selected.place.may("e"):
        return replies.NO_PERMISSION
    ranges = None
    if command.uid_set is not None:
        intervals = selected.uid_intervals(command.uid_set)
        if not intervals:
            return done("EXPUNGE")
        ranges = selected.uid_ranges(intervals)
    result = await session.services.view.flags.expunge(selected.folder_id, ranges)
    await updates.tell_expunges(session, selected, result.uids)
    if result.uids:
        detail = {"folder": selected.place.folder, "count": len(result.uids), "uids": compact(result.uids)}
        await session.services.access_log.record(
            user.actor, "imap.expunge", selected.place.access.address, "ok", detail
        )
    await updates.refresh(session, expunges_allowed=True)
    if session.condstore and not selected.pending_expunges and session.selected is selected:
        return done("EXPUNGE", f"HIGHESTMODSEQ {selected.known_modseq}")
    return done("EXPUNGE")
