"""EHLO and HELO (RFC 5321 §4.1.1.1): the client names itself; EHLO lists our extensions.

Owns the extension list: PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
ENHANCEDSTATUSCODES (RFC 2034), DSN (RFC 3461), STARTTLS before TLS (RFC 3207), and on submission under TLS
only, AUTH with the mechanisms configured (RFC 4954 §4; EXTERNAL only when the client presented a certificate).
The client's name is kept for the Received line, never echoed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mailserver.smtp import replies

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection

_CLIENT_NAME = re.compile(r"[\x21-\x7e\x80-\U0010ffff]{1,255}")


def auth_mechanisms(conn: SmtpConnection) -> list[str]:
    if not conn.door.submission or not conn.tls_active:
        return []
    authenticator = conn.services.authenticator
    mechanisms = ["PLAIN", "LOGIN"]
    if authenticator.offers_oauth:
        mechanisms += ["XOAUTH2", "OAUTHBEARER"]
    if authenticator.offers_certificates and conn.state.peer_chain:
        mechanisms.append("EXTERNAL")
    return mechanisms


async def ehlo(conn: SmtpConnection, arg: str) -> None:
    if not _CLIENT_NAME.fullmatch(arg):
        await conn.reply(replies.EHLO_SYNTAX)
        return
    state = conn.state
    state.helo, state.esmtp, state.txn = arg, True, None  # RFC 5321 §4.1.4: EHLO resets the transaction
    lines = [
        replies.EHLO_GREETING.format(host=conn.hostname),
        "PIPELINING",
        f"SIZE {conn.services.limits.max_message_size}",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "DSN",
    ]
    if conn.tls_available and not conn.tls_active:
        lines.append("STARTTLS")
    mechanisms = auth_mechanisms(conn)
    if mechanisms:
        lines.append("AUTH " + " ".join(mechanisms))
    await conn.send_lines(250, lines)


async def helo(conn: SmtpConnection, arg: str) -> None:
    if not _CLIENT_NAME.fullmatch(arg):
        await conn.reply(replies.EHLO_SYNTAX)
        return
    state = conn.state
    state.helo, state.esmtp, state.txn = arg, False, None
    await conn.reply(replies.HELO_OK, host=conn.hostname)
