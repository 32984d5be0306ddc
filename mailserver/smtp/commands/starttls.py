"""STARTTLS (RFC 3207): the upgrade of a plaintext session, through aiosmtpd's SSL protocol swap.

Owns the checks before the handshake (no argument, not already under TLS, a context configured) and the swap
itself, as aiosmtpd does it: our protocol keeps its stream reader, the transport is wrapped in an SSL protocol,
and `connection_made` runs again when the handshake ends (the session restarts from EHLO, RFC 3207 §4.2; bytes
the client pipelined after STARTTLS are discarded, against command injection). A failed handshake ends the
session (the loop logs why: expired, untrusted...). Never inspects certificates here.
"""

from __future__ import annotations

import asyncio.sslproto as sslproto
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
    waiter = conn.loop.create_future()
    conn._tls_protocol = sslproto.SSLProtocol(conn.loop, conn, conn.tls_context, waiter, server_side=True)
    conn._original_transport = conn.transport
    assert conn._original_transport is not None
    conn._original_transport.set_protocol(conn._tls_protocol)
    conn.transport = conn._tls_protocol._app_transport
    conn._tls_protocol.connection_made(conn._original_transport)
    try:
        await waiter
    except Exception as error:
        raise TLSSetupException() from error
