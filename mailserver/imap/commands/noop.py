"""NOOP (RFC 3501 §6.1.2): the client asks for the updates it is owed; the database is asked too, not only the
change feed, so that a change from another node shows even before its notification arrives.

Never changes anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import updates
from mailserver.imap.parser import Noop
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Noop) -> Reply:
    await updates.refresh(session, expunges_allowed=True, poll=True)
    return done("NOOP")
