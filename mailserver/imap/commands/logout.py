"""LOGOUT (RFC 3501 §6.1.3): `* BYE`, the tagged OK, then the session closes.

Never leaves the connection open after its answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Logout
from mailserver.imap.replies import Reply, done
from mailserver.imap.states import State

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Logout) -> Reply:
    session.out.write(b"* BYE " + replies.BYE_LOGOUT.encode("ascii") + b"\r\n")
    session.deselect()
    session.state = State.LOGOUT  # the session closes once the tagged OK is written
    return done("LOGOUT")
