"""SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.6-7).

Owns subscriptions of the personal namespace (kept on the folder). The folders of a shared mailbox are listed as
they are subscribed by the mailbox itself: a delegate's SUBSCRIBE there is accepted and changes nothing, so that
one delegate never changes what the others see. Never subscribes a name that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Subscribe, Unsubscribe
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Subscribe | Unsubscribe) -> Reply:
    user = session.user
    assert user is not None
    subscribe = isinstance(command, Subscribe)
    name = "SUBSCRIBE" if subscribe else "UNSUBSCRIBE"
    place = user.places.resolve(command.mailbox)
    view = session.services.view
    if place.shared:
        await view.directory.folder(place.mailbox_id, place.folder, selectable=False)  # it must exist
        return done(name)
    await view.folders.subscribe(place.mailbox_id, place.folder, subscribe)
    return done(name)
