"""ENABLE (RFC 5161): CONDSTORE, QRESYNC (which implies CONDSTORE, RFC 7162 §3.2.3) and UTF8=ACCEPT (RFC 6855).

Owns which extensions a client may switch on, and the `* ENABLED` list of those newly enabled. Unknown names are
ignored, as RFC 5161 §3.1 asks. Valid only before a mailbox is selected (RFC 5161 §3.1). Never enables anything
the commands do not implement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Enable
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session

ENABLEABLE = ("CONDSTORE", "QRESYNC", "UTF8=ACCEPT")


async def run(session: Session, tag: str, command: Enable) -> Reply:
    newly: list[str] = []
    for name in command.capabilities:
        wanted = name.upper()
        if wanted not in ENABLEABLE:
            continue
        implied = ["CONDSTORE", "QRESYNC"] if wanted == "QRESYNC" else [wanted]
        for capability in implied:
            if capability not in session.enabled:
                session.enabled.add(capability)
                if capability == wanted:
                    newly.append(capability)
    session.out.write(b"* ENABLED" + b"".join(b" " + c.encode("ascii") for c in newly) + b"\r\n")
    return done("ENABLE")
