"""STARTTLS (RFC 3207): the upgrade of a plaintext session, through the event loop's `start_tls`.

Owns the checks before the handshake (no argument, not already under TLS, a context configured) and the upgrade:
bytes the client pipelined after STARTTLS are discarded (RFC 3207 §4.2, against command injection), the loop's
own TLS layer takes the transport (uvloop's is native code; aiosmtpd's swap used asyncio's pure-Python SSL
protocol on every MX session), and the connection adopts the new transport (`SmtpConnection.tls_started`: the
session restarts from EHLO). A failed handshake ends the session (the loop logs why: expired, untrusted...).
Never inspects certificates here.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiosmtpd.smtp import TLSSetupException

from mailserver.smtp import replies

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection


async def run(conn: SmtpConnection, arg: str) -> None:
    if arg:
        await conn.reply(replies.NO_ARGUMENT_EXPECTED)
        return
    if conn.tls_active:
        await conn.reply(replies.TLS_ACTIVE)
        return
    if not conn.tls_available or conn.tls_context is None:
        await conn.reply(replies.TLS_UNAVAILABLE)
        return
    await conn.reply(replies.READY_TLS)
    await conn.flush()  # the 220 goes out in clear, before the handshake
    plain = conn.transport
    assert isinstance(plain, asyncio.Transport)
    conn.discard_input()  # RFC 3207 §4.2: nothing the client sent before the handshake is a command
    try:
        secured = await conn.loop.start_tls(plain, conn, conn.tls_context, server_side=True)
    except Exception as error:
        raise TLSSetupException() from error
    if secured is None:  # the peer went away during the handshake
        raise TLSSetupException()
    conn.tls_started(secured)
