"""AUTH (RFC 4954) on submission: the SASL exchanges of PLAIN, LOGIN, XOAUTH2, OAUTHBEARER and EXTERNAL.

Owns the session checks (submission only, after EHLO, under TLS: `538 5.7.11` otherwise; once; not inside a
transaction), the challenge/response lines (`334` + base64, `*` cancels, `=` is an empty initial response,
RFC 4954 §4), and for the bearer mechanisms the error challenge before the failure (RFC 7628 §3.2.2: the client
answers ^A, then `535`). Credentials are checked by `mailserver.auth.Authenticator`; a bad or locked login is
`535 5.7.8` alike, a temporary failure `454 4.7.0`. Never logs a credential.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from mailserver.auth.identity import AuthFailure, AuthResult, Identity
from mailserver.auth.sasl import (
    MAX_RESPONSE,
    SaslSyntaxError,
    oauth_error,
    parse_external,
    parse_oauthbearer,
    parse_plain,
    parse_xoauth2,
)
from mailserver.smtp import replies
from mailserver.smtp.commands.greeting import auth_mechanisms

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection

USERNAME_PROMPT = b"Username:"
PASSWORD_PROMPT = b"Password:"


class _Stop(Exception):
    """The exchange ended with a reply already sent (cancelled, bad base64)."""


async def run(conn: SmtpConnection, arg: str) -> None:
    state = conn.state
    if not conn.door.submission:
        await conn.reply(replies.AUTH_NOT_OFFERED)
        return
    if not state.helo or not state.esmtp:
        await conn.reply(replies.NEED_HELO)
        return
    if not conn.tls_active:
        await conn.reply(replies.AUTH_NEEDS_TLS)
        return
    if state.identity is not None:
        await conn.reply(replies.AUTH_ALREADY)
        return
    if state.txn is not None:
        await conn.reply(replies.AUTH_IN_TRANSACTION)
        return
    mechanism, _, initial = arg.partition(" ")
    mechanism = mechanism.upper()
    if mechanism not in auth_mechanisms(conn):
        await conn.reply(replies.AUTH_UNKNOWN_MECHANISM)
        return
    try:
        result = await _EXCHANGES[mechanism](conn, _initial(initial.strip()))
    except _Stop:
        return
    except SaslSyntaxError:
        await conn.reply(replies.AUTH_MALFORMED)
        return
    if isinstance(result, Identity):
        state.identity = result
        await conn.reply(replies.AUTH_OK)
    elif result.temporary:
        await conn.reply(replies.AUTH_TEMPORARY)
    else:
        await conn.reply(replies.AUTH_FAILED)


def _initial(text: str) -> bytes | None:
    """The initial response: None when absent, b"" for "=" (RFC 4954 §4)."""
    if not text:
        return None
    if text == "=":
        return b""
    return _b64(text)


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SaslSyntaxError("bad base64") from None


async def challenge(conn: SmtpConnection, data: bytes) -> bytes:
    """Send `334 <base64>` and return the client's decoded answer."""
    await conn.push(replies.AUTH_CHALLENGE.line(data=base64.b64encode(data).decode()))
    line = await conn.read_line(MAX_RESPONSE)
    if line is None:
        raise _Stop
    if line.strip() == "*":
        await conn.reply(replies.AUTH_CANCELLED)
        raise _Stop
    try:
        return base64.b64decode(line.strip(), validate=True)
    except (binascii.Error, ValueError):
        await conn.reply(replies.AUTH_BAD_BASE64)
        raise _Stop from None


async def _plain(conn: SmtpConnection, initial: bytes | None) -> AuthResult:
    message = initial if initial is not None else await challenge(conn, b"")
    creds = parse_plain(message)
    result = await conn.services.authenticator.password(creds.username, creds.password, conn.state.client_ip)
    if isinstance(result, Identity) and creds.authzid and creds.authzid.lower() not in result.addresses:
        return AuthFailure("authzid is not one of the login's mailboxes")  # RFC 4616 §2
    return result


async def _login(conn: SmtpConnection, initial: bytes | None) -> AuthResult:
    user = initial if initial is not None else await challenge(conn, USERNAME_PROMPT)
    password = await challenge(conn, PASSWORD_PROMPT)
    try:
        return await conn.services.authenticator.password(
            user.decode(), password.decode(), conn.state.client_ip, "LOGIN"
        )
    except UnicodeDecodeError:
        raise SaslSyntaxError("LOGIN values are not UTF-8") from None


async def _bearer(conn: SmtpConnection, initial: bytes | None, mechanism: str) -> AuthResult:
    message = initial if initial is not None else await challenge(conn, b"")
    creds = parse_xoauth2(message) if mechanism == "XOAUTH2" else parse_oauthbearer(message)
    result = await conn.services.authenticator.oauth(
        creds.token, creds.authzid, conn.state.client_ip, "XOAUTH2" if mechanism == "XOAUTH2" else "OAUTHBEARER"
    )
    if isinstance(result, AuthFailure) and not result.temporary:
        await challenge(conn, oauth_error())  # RFC 7628 §3.2.2; the client's ^A (or empty line) is ignored
    return result


async def _xoauth2(conn: SmtpConnection, initial: bytes | None) -> AuthResult:
    return await _bearer(conn, initial, "XOAUTH2")


async def _oauthbearer(conn: SmtpConnection, initial: bytes | None) -> AuthResult:
    return await _bearer(conn, initial, "OAUTHBEARER")


async def _external(conn: SmtpConnection, initial: bytes | None) -> AuthResult:
    authzid = parse_external(initial if initial is not None else await challenge(conn, b""))
    return await conn.services.authenticator.certificate(conn.state.peer_chain, authzid, conn.state.client_ip)


_EXCHANGES = {
    "PLAIN": _plain,
    "LOGIN": _login,
    "XOAUTH2": _xoauth2,
    "OAUTHBEARER": _oauthbearer,
    "EXTERNAL": _external,
}
