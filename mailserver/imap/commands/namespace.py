"""NAMESPACE (RFC 2342): the personal namespace "" and the shared namespace "Shared/", both with "/".

Never announces the shared namespace's contents (LIST does, from `places`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Namespace
from mailserver.imap.places import SHARED_PREFIX
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session

# RFC 2342 §5: personal, other users', shared; our "other users" are none (delegations are shared mailboxes).
RESPONSE = b'* NAMESPACE (("" "/")) NIL (("' + SHARED_PREFIX.encode("ascii") + b'" "/"))\r\n'


async def run(session: Session, tag: str, command: Namespace) -> Reply:
    session.out.write(RESPONSE)
    return done("NAMESPACE")
