"""CREATE (RFC 3501 §6.3.3) with a special use (RFC 6154 §3 `CREATE name (USE (\\Sent))`).

Owns the name rules on top of the store's: a trailing separator only says that children will follow; `Shared` is
the shared namespace, where creating needs the "k" right (RFC 4314) on the delegated mailbox. Never creates a
personal folder under the reserved name `Shared`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Create
from mailserver.imap.replies import Reply, done
from mailserver.store.imap_errors import NoSuchFolder

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Create) -> Reply:
    user = session.user
    assert user is not None
    try:
        place = user.places.resolve(command.mailbox)
    except NoSuchFolder:
        return replies.RESERVED_NAME  # "Shared/<not a mailbox of this user>/..."
    if place.shared and not place.may("k"):
        return replies.NO_PERMISSION
    if len(command.special_use) > 1:
        return replies.BAD_SPECIAL_USE  # one special use per folder here
    use = command.special_use[0] if command.special_use else None
    await session.services.view.folders.create(place.mailbox_id, place.folder, use)
    return done("CREATE")
