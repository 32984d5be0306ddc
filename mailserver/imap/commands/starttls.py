"""STARTTLS (RFC 3501 §6.2.1, RFC 9051 §6.2.1): only on the plain listener, only before login.

Owns the order that keeps plaintext out of the TLS session: the OK is written and flushed, every byte pipelined
behind the command is dropped, then the handshake runs. A failed handshake closes the connection. Never accepts a
command sent in clear after STARTTLS as if it came under TLS.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import StartTls
from mailserver.imap.replies import Reply

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: StartTls) -> Reply | None:
    if session.channel.tls_active:
        return replies.TLS_ACTIVE
    if not session.starttls_offered or session.services.tls_context is None:
        return replies.TLS_UNAVAILABLE
    session.out.write(replies.BEGIN_TLS.line(tag))
    await session.out.flush()
    dropped = session.framer.discard_buffered()  # RFC 3501 §6.2.1: no plaintext command injection
    if dropped:
        session.services.log.info("plaintext after STARTTLS dropped", extra={"trace": session.trace, "bytes": dropped})
    try:
        await session.channel.start_tls()
    except (ssl.SSLError, OSError, ConnectionError):
        session.services.log.info("STARTTLS handshake failed", extra={"trace": session.trace}, exc_info=True)
        await session.close()
    return None  # answered already
