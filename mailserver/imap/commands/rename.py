"""RENAME (RFC 3501 §6.3.5): children follow; renaming INBOX moves its messages and leaves it empty.

Both names must be in the same mailbox (personal, or one shared mailbox with the "x" and "k" rights, RFC 4314).
Never renames into the reserved name `Shared`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Rename
from mailserver.imap.replies import Reply, done
from mailserver.store.imap_errors import NoSuchFolder

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Rename) -> Reply:
    user = session.user
    assert user is not None
    source = user.places.resolve(command.source)
    try:
        target = user.places.resolve(command.destination)
    except NoSuchFolder:
        return replies.RESERVED_NAME
    if source.mailbox_id != target.mailbox_id:
        return replies.ACROSS_MAILBOXES
    if source.shared and not source.may("xk"):
        return replies.NO_PERMISSION
    await session.services.view.folders.rename(source.mailbox_id, source.folder, target.folder)
    return done("RENAME")
