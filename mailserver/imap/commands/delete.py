"""DELETE (RFC 3501 §6.3.4): a folder and its messages; a folder with children becomes \\Noselect.

Needs the "x" right on a shared mailbox (RFC 4314). Deleting the selected folder first closes it (`* OK [CLOSED]`).
Each deletion is traced in the audit log, whatever its outcome. Never deletes INBOX (the store refuses it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Delete
from mailserver.imap.replies import Reply, done
from mailserver.store.imap_folders import normalise_name

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Delete) -> Reply:
    user = session.user
    assert user is not None
    place = user.places.resolve(command.mailbox)
    log = session.services.access_log
    if place.shared and not place.may("x"):
        await log.record(user.actor, "imap.delete", place.access.address, "denied", {"folder": place.folder})
        return replies.NO_PERMISSION
    selected = session.selected
    if (
        selected is not None
        and selected.place.mailbox_id == place.mailbox_id
        and normalise_name(selected.place.folder) == normalise_name(place.folder)
    ):
        session.deselect()
        session.out.write(b"* OK [CLOSED] Selected mailbox deleted\r\n")
    try:
        await session.services.view.folders.delete(place.mailbox_id, place.folder)
    except Exception:
        await log.record(user.actor, "imap.delete", place.access.address, "failed", {"folder": place.folder})
        raise
    await log.record(user.actor, "imap.delete", place.access.address, "ok", {"folder": place.folder})
    return done("DELETE")
