"""AUTHENTICATE (RFC 3501 §6.2.2) with PLAIN (RFC 4616), XOAUTH2, OAUTHBEARER (RFC 7628) and EXTERNAL (RFC 4422
Appendix A, the TLS client certificate), with or without an initial response (SASL-IR, RFC 4959).

Owns the SASL exchange over IMAP continuations: `+ ` challenges, the client's base64 lines, `*` to cancel (BAD),
and RFC 7628 §3.2.2's error challenge for a refused token (the client answers it, then gets NO). Only under TLS.
Never logs a credential or a token; the authenticator checks them and keeps the rate limits and the trace.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from mailserver.auth.identity import AuthFailure, AuthResult
from mailserver.auth.sasl import (
    SaslSyntaxError,
    oauth_error,
    parse_external,
    parse_oauthbearer,
    parse_plain,
    parse_xoauth2,
)
from mailserver.imap import replies
from mailserver.imap.parser import Authenticate, ParseError, decode_sasl_response
from mailserver.imap.pending import Pending
from mailserver.imap.replies import Reply
from mailserver.imap.sign_in import sign_in

if TYPE_CHECKING:
    from mailserver.imap.session import Session


def offered(session: Session) -> set[str]:
    """The mechanisms CAPABILITY announces to this session."""
    caps = session.capability_text().split()
    return {c.removeprefix("AUTH=") for c in caps if c.startswith("AUTH=")}


async def run(session: Session, tag: str, command: Authenticate) -> Reply | None:
    if not session.channel.tls_active:
        return replies.LOGIN_DISABLED
    mechanism = command.mechanism.upper()
    if mechanism not in offered(session):
        return replies.MECHANISM_UNKNOWN
    exchange = _Exchange(session, tag, mechanism)
    if command.initial_response is not None:
        return await exchange.respond(command.initial_response)
    exchange.challenge(b"")
    return None


class _Exchange:
    def __init__(self, session: Session, tag: str, mechanism: str) -> None:
        self.session = session
        self.tag = tag
        self.mechanism = mechanism
        self.refused = False

    def challenge(self, data: bytes) -> None:
        """`+ <base64>` and wait for the client's line (RFC 3501 §6.2.2)."""
        self.session.out.write(b"+ " + base64.b64encode(data) + b"\r\n")
        self.session.wait_for_line(Pending(self.tag, self.on_line))

    async def on_line(self, line: bytes) -> Reply | None:
        try:
            data = decode_sasl_response(line)
        except ParseError:
            return replies.BAD_SASL_SYNTAX
        if data is None:
            return replies.BAD_CANCELLED  # RFC 3501 §6.2.2: "*" cancels, answered BAD
        if self.refused:
            return replies.AUTH_FAILED  # the client acknowledged the RFC 7628 §3.2.2 error challenge
        return await self.respond(data)

    async def respond(self, data: bytes) -> Reply | None:
        auth = self.session.services.authenticator
        client_ip = self.session.channel.peer_ip
        requested = ""
        result: AuthResult
        try:
            if self.mechanism == "PLAIN":
                plain = parse_plain(data)
                if plain.authzid and plain.authzid.strip().lower() != plain.username.strip().lower():
                    requested = plain.authzid
                result = await auth.password(plain.username, plain.password, client_ip, "PLAIN")
            elif self.mechanism in ("XOAUTH2", "OAUTHBEARER"):
                bearer = parse_xoauth2(data) if self.mechanism == "XOAUTH2" else parse_oauthbearer(data)
                requested = bearer.authzid
                result = await auth.oauth(bearer.token, bearer.authzid, client_ip, self.mechanism)  # type: ignore[arg-type]
                if isinstance(result, AuthFailure) and not result.temporary:
                    self.refused = True
                    self.challenge(oauth_error())  # RFC 7628 §3.2.2, also what XOAUTH2 clients expect
                    return None
            else:  # EXTERNAL
                requested = parse_external(data)
                result = await auth.certificate(self.session.channel.peer_certificates(), requested, client_ip)
        except SaslSyntaxError:
            return replies.BAD_SASL_SYNTAX
        return await sign_in(self.session, result, requested)
