"""ID (RFC 2971): the client's identification goes to the log; the server names itself, without a version.

Never echoes what the client sent, and never lets it change anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Id
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session

MAX_LOGGED = 10  # RFC 2971 §3.3: at most 30 pairs; the log keeps the first few, shortened
SERVER_ID = b'* ID ("name" "Caducee" "vendor" "Caducee")\r\n'


async def run(session: Session, tag: str, command: Id) -> Reply:
    pairs = dict((field[:40], (value or "")[:80]) for field, value in (command.parameters or ())[:MAX_LOGGED])
    session.services.log.info("client id", extra={"trace": session.trace, "client_id": pairs})
    session.out.write(SERVER_ID)
    return done("ID")
