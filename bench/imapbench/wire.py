"""A bare, blocking IMAP client over TLS for timing commands on the wire, the same for every server measured.

Owns `Wire`: `command(text)` sends one tagged command and returns (seconds from the send to the last byte of the
tagged completion, every byte received), reading literals exactly; `bulk(text)` does the same for answers without
literals (`FETCH 1:* (UID FLAGS)`), scanning only the tail of each received chunk, so the client's own parsing
costs next to nothing (imaplib's would dominate); `IdleWatch` keeps a session in IDLE in a thread and timestamps
each `* n EXISTS` as its bytes arrive. Never interprets more of a response than a timing needs.
"""

from __future__ import annotations

import contextlib
import queue
import re
import socket
import ssl
import threading
import time

_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_EXISTS = re.compile(rb"\* (\d+) EXISTS\r\n")


class Wire:
    def __init__(self, port: int, context: ssl.SSLContext, *, timeout: float = 900.0) -> None:
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = context.wrap_socket(raw, server_hostname="localhost")
        self.buf = bytearray()
        self.tags = 0
        self.greeting = self._line()

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self.command("LOGOUT")
        self.sock.close()

    def login(self, user: str, password: str) -> None:
        _, answer = self.command(f'LOGIN "{user}" "{password}"')
        if b" OK" not in answer.rsplit(b"\r\n", 2)[-2]:
            raise RuntimeError(f"login refused: {answer[-200:]!r}")

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.buf[: end + 2])
        del self.buf[: end + 2]
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buf) < size:
            self._fill()
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def _send(self, text: str) -> bytes:
        self.tags += 1
        tag = f"b{self.tags:04d}".encode()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        return tag + b" "

    def command(self, text: str) -> tuple[float, bytes]:
        """Send `text`; (seconds until the tagged completion arrived, the whole answer)."""
        out = bytearray()
        start = time.perf_counter()
        tag = self._send(text)
        while True:
            line = self._line()
            out += line
            literal = _LITERAL.search(line)
            if literal:
                out += self._exactly(int(literal.group(1)))
                continue
            if line.startswith(tag):
                elapsed = time.perf_counter() - start
                if not line[len(tag) :].startswith(b"OK"):
                    raise RuntimeError(f"{text!r} failed: {line!r}")
                return elapsed, bytes(out)

    def bulk(self, text: str) -> tuple[float, bytes]:
        """`command` for answers without literals: only the end of each chunk is looked at."""
        start = time.perf_counter()
        tag = self._send(text)
        marker = b"\r\n" + tag
        while True:
            self._fill()
            if self.buf.endswith(b"\r\n"):
                last = self.buf.rfind(marker, max(0, len(self.buf) - 4096))
                if last >= 0 and self.buf.find(b"\r\n", last + 2) == len(self.buf) - 2:
                    elapsed = time.perf_counter() - start
                    out = bytes(self.buf)
                    self.buf.clear()
                    if not out[last + len(marker) :].startswith(b"OK"):
                        raise RuntimeError(f"{text!r} failed: {out[last:]!r}")
                    return elapsed, out


class IdleWatch:
    """A selected session in IDLE; `arrivals` receives (perf_counter time, message count) per `* n EXISTS`."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.arrivals: queue.Queue[tuple[float, int]] = queue.Queue()
        self._tag = wire._send("IDLE")
        first = wire._line()
        if not first.startswith(b"+"):
            raise RuntimeError(f"IDLE refused: {first!r}")
        self._stop = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        sock = self.wire.sock
        pending = bytearray(self.wire.buf)
        while not self._stop:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, OSError):
                return
            now = time.perf_counter()
            if not chunk:
                return
            pending += chunk
            for found in _EXISTS.finditer(pending):
                self.arrivals.put((now, int(found.group(1))))
            cut = pending.rfind(b"\r\n")
            if cut >= 0:
                del pending[: cut + 2]
            if self._tag in chunk:
                return

    def wait_for(self, count: int, timeout: float = 30.0) -> float:
        """The arrival time of `* <count> EXISTS` (or of a later count)."""
        deadline = time.monotonic() + timeout
        while True:
            arrived, seen = self.arrivals.get(timeout=max(0.0, deadline - time.monotonic()))
            if seen >= count:
                return arrived

    def done(self) -> None:
        self._stop = True
        self.wire.sock.sendall(b"DONE\r\n")
        self._thread.join(timeout=30)
        self.wire.buf.clear()
