"""CLOSE (RFC 3501 §6.4.2): expunge silently (when the folder is writable and the "e" right is held), then leave
the selected state.

Each expunge is traced in the audit log. Never sends EXPUNGE responses (RFC 3501 §6.4.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Close
from mailserver.imap.replies import Reply, done
from mailserver.imap.selected import compact

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Close) -> Reply:
    selected = session.selected
    user = session.user
    assert selected is not None and user is not None
    if not selected.read_only and selected.place.may("e"):
        result = await session.services.view.flags.expunge(selected.folder_id)
        if result.uids:
            detail = {"folder": selected.place.folder, "count": len(result.uids), "uids": compact(result.uids)}
            await session.services.access_log.record(
                user.actor, "imap.expunge", selected.place.access.address, "ok", detail
            )
    session.deselect()
    return done("CLOSE")
