"""CHECK (RFC 3501 §6.4.1): every write is committed when it is answered, so there is nothing to checkpoint;
like NOOP, the client gets the updates it is owed.

Never changes anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import updates
from mailserver.imap.parser import Check
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Check) -> Reply:
    await updates.refresh(session, expunges_allowed=True, poll=True)
    return done("CHECK")
