"""The IMAP server on asyncio: one task per connection, from socket bytes to a `Session` and back.

Owns the connection (`ImapConnection`, an asyncio protocol that is also the session's `Channel`): reading with
input backpressure (reading pauses while a command runs on a large backlog), writing with output backpressure
(`drain` waits while the transport's buffer is above its high-water mark, at most the idle timeout), STARTTLS
through `loop.start_tls` with the plaintext read before it dropped, implicit TLS on the `imaps` listener, the idle
timeout (`* BYE`, RFC 9051 §5.4), and the guarantee that nothing a session does can end the server: an error
escaping a session is logged with its trace id and only that connection ends. `serve` starts one listener. Never
parses or decides anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass

from cryptography import x509

from mailserver.crypto.tls import peer_chain
from mailserver.imap.services import ImapServices
from mailserver.imap.session import Session

log = logging.getLogger("caducee.imap")

READ_PAUSE_AT = 1024 * 1024  # bytes received and not yet handed to the session before reading pauses
TLS_HANDSHAKE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Door:
    """A listener: `implicit_tls` for imaps (993); otherwise STARTTLS is offered (143)."""

    name: str
    implicit_tls: bool = False


class ImapConnection(asyncio.Protocol):
    def __init__(self, services: ImapServices, door: Door) -> None:
        self._services = services
        self._door = door
        self._transport: asyncio.Transport | None = None
        self._incoming: list[bytes] = []
        self._incoming_size = 0
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._lost = False
        self._reading_paused = False
        self._tls = door.implicit_tls
        self._task: asyncio.Task[None] | None = None
        self.session = Session(services, self, starttls=not door.implicit_tls)

    # ---------------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._task = asyncio.get_running_loop().create_task(self._serve())

    def data_received(self, data: bytes) -> None:
        self._incoming.append(data)
        self._incoming_size += len(data)
        self._readable.set()
        if self._incoming_size > READ_PAUSE_AT and not self._reading_paused and self._transport is not None:
            self._transport.pause_reading()
            self._reading_paused = True

    def eof_received(self) -> bool:
        self._lost = True
        self._readable.set()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._readable.set()
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # ---------------------------------------------------------------- Channel
    @property
    def peer_ip(self) -> str | None:
        if self._transport is None:
            return None
        peer = self._transport.get_extra_info("peername")
        return str(peer[0]) if peer else None

    @property
    def tls_active(self) -> bool:
        return self._tls

    def peer_certificates(self) -> list[x509.Certificate]:
        if not self._tls or self._transport is None:
            return []
        endpoint = self._transport.get_extra_info("ssl_object")
        return peer_chain(endpoint) if endpoint is not None else []

    def send(self, data: bytes) -> None:
        if not self._lost and self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    async def drain(self) -> None:
        """Wait while the peer does not read; one that stops reading for the idle timeout is disconnected."""
        if self._lost or self._writable.is_set():
            return
        try:
            async with asyncio.timeout(self._services.limits.idle_timeout):
                await self._writable.wait()
        except TimeoutError:
            self.close()
            raise ConnectionError("the client stopped reading") from None

    async def start_tls(self) -> None:
        context = self._services.tls_context
        assert context is not None and self._transport is not None
        self._incoming.clear()  # RFC 3501 §6.2.1: nothing read in clear is taken as sent under TLS
        self._incoming_size = 0
        loop = asyncio.get_running_loop()
        transport = await loop.start_tls(
            self._transport, self, context, server_side=True, ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT
        )
        if transport is None:
            raise ConnectionError("connection closed during the TLS handshake")
        self._transport = transport
        self._tls = True

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    # ---------------------------------------------------------------- the connection's task
    async def _serve(self) -> None:
        session = self.session
        try:
            await session.start()
            while not session.closed:
                if not self._incoming:
                    if self._lost:
                        break
                    self._readable.clear()
                    try:
                        async with asyncio.timeout(self._services.limits.idle_timeout):
                            await self._readable.wait()
                    except TimeoutError:
                        await session.timed_out()
                        break
                    continue
                data = b"".join(self._incoming)
                self._incoming.clear()
                self._incoming_size = 0
                if self._reading_paused and self._transport is not None:
                    self._transport.resume_reading()
                    self._reading_paused = False
                await session.receive(data)
        except (ConnectionError, ssl.SSLError) as error:
            log.info("connection ended", extra={"trace": session.trace, "reason": type(error).__name__})
        except Exception:  # never the server: only this connection ends
            log.exception("session failed", extra={"trace": session.trace})
        finally:
            await session.close()


async def serve(services: ImapServices, door: Door, host: str, port: int) -> asyncio.Server:
    """Start one listener; `door.implicit_tls` needs `services.tls_context`."""
    loop = asyncio.get_running_loop()
    context = services.tls_context if door.implicit_tls else None
    if door.implicit_tls and context is None:
        raise ValueError("implicit TLS needs a TLS context")
    return await loop.create_server(
        lambda: ImapConnection(services, door),
        host,
        port,
        ssl=context,
        ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT if context is not None else None,
        reuse_port=True,
    )


async def close_sessions(services: ImapServices, text: str) -> None:
    """`* BYE` to every live session (at shutdown)."""
    for session in list(services.registry.sessions):
        with contextlib.suppress(Exception):
            await session.bye(text)
