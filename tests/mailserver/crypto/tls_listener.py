"""A one-connection TLS listener on 127.0.0.1:0 that records what the handshake gave, for TLS tests."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from types import TracebackType

from cryptography import x509

from mailserver.crypto.tls import peer_chain


@dataclass
class HandshakeRecord:
    version: str | None = None
    cipher: str | None = None
    peer_chain: list[x509.Certificate] = field(default_factory=list)
    error: BaseException | None = None


class OneShotTlsListener:
    """Accepts one connection, runs the server side of the handshake, answers b"hello" and waits for EOF."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.record = HandshakeRecord()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(30)
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> OneShotTlsListener:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.wait()

    def wait(self) -> HandshakeRecord:
        self._thread.join(timeout=30)
        self._sock.close()
        return self.record

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError as exc:
            self.record.error = exc
            return
        with conn:
            conn.settimeout(30)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    self.record.version = tls.version()
                    cipher = tls.cipher()
                    self.record.cipher = cipher[0] if cipher else None
                    self.record.peer_chain = peer_chain(tls)
                    tls.sendall(b"hello")
                    while tls.recv(1024):
                        pass
            except (ssl.SSLError, OSError) as exc:
                self.record.error = exc


def connect(port: int, context: ssl.SSLContext, server_hostname: str) -> tuple[str | None, str | None, bytes]:
    """Client side: handshake, read the greeting, close. Returns (version, cipher name, greeting)."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        greeting = tls.recv(5)
        cipher = tls.cipher()
        return tls.version(), cipher[0] if cipher else None, greeting
