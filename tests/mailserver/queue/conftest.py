"""Fixtures of the queue tests: the session PKIs, a movable clock, and a real peer MTA (aiosmtpd on 127.0.0.1:0)
that requires STARTTLS and a client certificate, records what it received and answers as told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from mailserver.crypto.tls import server_context
from tests.pki_fixtures import PKIFixture, dev_pki, foreign_pki

__all__ = ["dev_pki", "foreign_pki"]

DSN_PARAMS = ("NOTIFY", "ORCPT", "RET", "ENVID")


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    content: bytes
    mail_options: list[str]
    rcpt_options: list[str]
    client_cert_subject: Any


@dataclass
class PeerHandler:
    """Replies per recipient address ("450 4.2.0 busy"); everything else is accepted."""

    dsn: bool
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    received: list[Received] = field(default_factory=list)
    params_seen: list[dict[str, str]] = field(default_factory=list)

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.dsn:
            responses.insert(len(responses) - 1, "250-DSN")
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.rcpt_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        cert = (session.ssl or {}).get("peercert")
        self.received.append(
            Received(
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or b""),
                list(envelope.mail_options),
                list(envelope.rcpt_options),
                cert.get("subject") if cert else None,
            )
        )
        return "250 2.0.0 queued"


class DsnSMTP(SMTP):
    """aiosmtpd with the RFC 3461 parameters accepted (and recorded) when the handler offers DSN."""

    def _getparams(self, params: Any) -> Any:
        result = super()._getparams(params)
        handler = self.event_handler
        if result is not None and getattr(handler, "dsn", False):
            seen = {k: result.pop(k) for k in DSN_PARAMS if k in result}
            if seen:
                handler.params_seen.append(seen)
        return result


@dataclass
class Peer:
    port: int
    handler: PeerHandler
    server: asyncio.AbstractServer


PeerFactory = Callable[..., Awaitable[Peer]]


@pytest.fixture
async def start_peer(dev_pki: PKIFixture) -> AsyncIterator[PeerFactory]:
    """Start a peer MTA: `await start_peer(cert=IssuedCertificate, starttls=True, dsn=False, anchors=[...])`."""
    servers: list[asyncio.AbstractServer] = []

    async def start(
        cert: Any = None, *, starttls: bool = True, dsn: bool = False, anchors: list[Any] | None = None
    ) -> Peer:
        issued = cert or dev_pki.server
        ctx = server_context(
            issued.cert_path,
            issued.key_path,
            client_ca_paths=anchors or [dev_pki.root_ca],
            require_client_cert=True,
        )
        handler = PeerHandler(dsn)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: DsnSMTP(
                handler,
                hostname="mx.b.test",
                tls_context=ctx if starttls else None,
                require_starttls=starttls,
                enable_SMTPUTF8=True,
            ),
            "127.0.0.1",
            0,
        )
        servers.append(server)
        return Peer(server.sockets[0].getsockname()[1], handler, server)

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
