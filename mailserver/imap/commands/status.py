"""STATUS (RFC 3501 §6.3.10) with HIGHESTMODSEQ (RFC 7162 §3.1.6, which enables CONDSTORE), SIZE (RFC 8438) and
DELETED (RFC 9051).

Needs the RFC 4314 "r" right on a shared mailbox. Never changes anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.folder_status import status_line
from mailserver.imap.parser import Status, StatusItem
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Status) -> Reply:
    user = session.user
    assert user is not None
    place = user.places.resolve(command.mailbox)
    if not place.may("r"):
        return replies.NO_PERMISSION if place.may("l") else replies.NO_SUCH_MAILBOX
    if StatusItem.HIGHESTMODSEQ in command.items:
        session.enabled.add("CONDSTORE")
    view = session.services.view
    folder = await view.directory.folder(place.mailbox_id, place.folder)
    status = await view.directory.status(folder.id, with_size=StatusItem.SIZE in command.items)
    session.out.write(status_line(session.mailbox_name(place.name), status, command.items))
    return done("STATUS")
