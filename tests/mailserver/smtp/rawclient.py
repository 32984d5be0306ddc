"""A raw SMTP client over a real socket, for what smtplib will not send: bare LF, smuggling, long lines.

Blocking (run it in a thread). `MxSession.open(port, tls)` greets, STARTTLS with `tls`, and EHLOs again; `send`
writes bytes as given; `reply` reads one whole reply (all its lines); `closed` tells whether the server hung up.
"""

from __future__ import annotations

import socket
import ssl


class RawSession:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    @classmethod
    def open(cls, port: int, tls: ssl.SSLContext | None = None, *, implicit: bool = False) -> RawSession:
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        if implicit and tls is not None:
            sock = tls.wrap_socket(sock, server_hostname="localhost")
        session = cls(sock)
        session.reply()  # greeting
        if tls is not None and not implicit:
            session.command(b"EHLO raw.partner.test")
            assert session.command(b"STARTTLS").startswith("220")
            session.sock = tls.wrap_socket(sock, server_hostname="localhost")
        if tls is not None:
            session.command(b"EHLO raw.partner.test")
        return session

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def command(self, line: bytes) -> str:
        self.send(line + b"\r\n")
        return self.reply()

    def reply(self) -> str:
        """One reply; its lines joined with newlines. "" when the server closed the connection."""
        lines: list[str] = []
        while True:
            line = self._line()
            if line is None:
                return "\n".join(lines)
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return "\n".join(lines)

    def closed(self) -> bool:
        try:
            return self._line() is None
        except (TimeoutError, OSError):
            return False

    def _line(self) -> str | None:
        while b"\r\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                chunk = b""
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line.decode()

    def close(self) -> None:
        self.sock.close()
