"""The byte pipe a session talks through, and the buffered writer in front of it.

Owns `Channel`, what a session needs of its connection (send, wait for the peer to take the bytes, STARTTLS, the
peer's address and certificates, close), so that sessions run the same over a socket (`server`) and in memory
(the protocol tests), and `Output`, which gathers responses into large writes and waits for the peer to drain them
(write backpressure). Never parses or decides anything.
"""

from __future__ import annotations

from typing import Protocol

from cryptography import x509

FLUSH_AT = 256 * 1024  # bytes gathered before a write is forced (FETCH 1:* on a big folder writes in such chunks)


class Channel(Protocol):
    @property
    def peer_ip(self) -> str | None: ...

    @property
    def tls_active(self) -> bool: ...

    def peer_certificates(self) -> list[x509.Certificate]:
        """The client's certificate chain as sent (leaf first); empty without TLS or without a certificate."""
        ...

    def send(self, data: bytes) -> None: ...

    async def drain(self) -> None:
        """Return once the peer has taken enough of what was sent (or the connection is gone)."""
        ...

    async def start_tls(self) -> None:
        """Upgrade to TLS now (STARTTLS); plaintext received and not yet read is dropped (RFC 3501 §6.2.1)."""
        ...

    def close(self) -> None: ...


class Output:
    """Responses gathered in memory and written in large pieces; `flush` waits for the peer (backpressure)."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._buffer = bytearray()

    def write(self, data: bytes) -> None:
        self._buffer += data

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def flush(self) -> None:
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            self._channel.send(data)
        await self._channel.drain()

    async def write_some(self, data: bytes) -> None:
        """Write, flushing when enough is gathered: for long responses (FETCH, SEARCH of a big folder)."""
        self._buffer += data
        if len(self._buffer) >= FLUSH_AT:
            await self.flush()
