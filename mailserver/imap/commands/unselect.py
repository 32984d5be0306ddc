"""UNSELECT (RFC 3691): leave the selected state without expunging anything.

Never writes to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Unselect
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Unselect) -> Reply:
    session.deselect()
    return done("UNSELECT")
