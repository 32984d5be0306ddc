"""LSUB (RFC 3501 §6.3.9): the subscribed names matching a pattern; a name that `%` stops at and that has a
subscribed child is returned \\Noselect.

Never writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import listing
from mailserver.imap.parser import Lsub
from mailserver.imap.places import Places
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Lsub) -> Reply:
    user = session.user
    assert user is not None
    view = session.services.view
    user.places = await Places.load(view.directory, user.mailbox.id)
    if not command.pattern:
        session.out.write(b'* LSUB (\\Noselect) "/" ""\r\n')
        return done("LSUB")
    found = await listing.entries(user.places, view.directory)
    regex = listing.pattern(command.reference, command.pattern)
    for entry in found:
        if not regex.match(entry.name):
            continue
        if entry.subscribed:
            attributes = b"\\Noselect" if entry.noselect else b""
        elif "%" in command.pattern and listing.has_descendant(entry, found, lambda other: other.subscribed):
            attributes = b"\\Noselect"
        else:
            continue
        await session.out.write_some(b"* LSUB (" + attributes + b') "/" ' + session.mailbox_name(entry.name) + b"\r\n")
    return done("LSUB")
