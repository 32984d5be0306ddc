"""CAPABILITY (RFC 3501 §6.1.1): the list depends on the state and on TLS (`capabilities`).

Never lists anything itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Capability
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Capability) -> Reply:
    session.out.write(b"* CAPABILITY " + session.capability_text().encode("ascii") + b"\r\n")
    return done("CAPABILITY")
