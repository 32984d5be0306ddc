"""The SMTP load of the ingest benchmark: N concurrent sessions sending unique messages for a fixed time.

Owns a lean asyncio SMTP client (one session per task, kept open; optional STARTTLS with a client certificate and
optional AUTH PLAIN) and the measurement: messages answered 250 after DATA, and the latency from the end of the
data to that reply. Every message is unique (a counter in its headers), so no store can deduplicate them.
Never retries: a refused message counts as refused.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import time
from dataclasses import dataclass, field

FILLER_LINE = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n"


@dataclass
class Target:
    host: str
    port: int
    mail_from: str
    recipients: list[str]
    tls: ssl.SSLContext | None = None  # STARTTLS with this context
    auth: tuple[str, str] | None = None  # AUTH PLAIN user, password


@dataclass
class LoadResult:
    accepted: int = 0
    refused: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    first_error: str = ""

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def message(size: int, n: int, session: int, recipient: str, mail_from: str) -> bytes:
    head = (
        f"From: <{mail_from}>\r\nTo: <{recipient}>\r\nSubject: bench {session}-{n}\r\n"
        f"Message-ID: <bench.{session}.{n}.{os.getpid()}.{time.time_ns()}@bench.test>\r\n"
        f"Date: Thu, 26 Nov 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        f"\r\n"
    ).encode()
    return head + _filler(max(1, (size - len(head)) // len(FILLER_LINE)))


_FILLERS: dict[int, bytes] = {}


def _filler(lines: int) -> bytes:
    if lines not in _FILLERS:
        _FILLERS[lines] = FILLER_LINE * lines
    return _FILLERS[lines]


class _Session:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def reply(self) -> tuple[int, str]:
        lines = []
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("connection closed")
            lines.append(line.decode(errors="replace").rstrip())
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    async def command(self, text: str) -> tuple[int, str]:
        self.writer.write(text.encode() + b"\r\n")
        return await self.reply()


async def _open(target: Target) -> _Session:
    reader, writer = await asyncio.open_connection(target.host, target.port)
    s = _Session(reader, writer)
    await s.reply()
    await s.command("EHLO bench.test")
    if target.tls is not None:
        code, text = await s.command("STARTTLS")
        if code != 220:
            raise ConnectionError(text)
        await writer.start_tls(target.tls)
        await s.command("EHLO bench.test")
    if target.auth is not None:
        token = base64.b64encode(f"\0{target.auth[0]}\0{target.auth[1]}".encode()).decode()
        code, text = await s.command(f"AUTH PLAIN {token}")
        if code != 235:
            raise ConnectionError(text)
    return s


async def _session(target: Target, size: int, index: int, deadline: float, out: LoadResult) -> None:
    try:
        s = await _open(target)
    except (OSError, ConnectionError, ssl.SSLError) as exc:
        out.errors += 1
        out.first_error = out.first_error or f"connect: {exc}"
        return
    n = 0
    try:
        while time.monotonic() < deadline:
            recipient = target.recipients[(index + n) % len(target.recipients)]
            body = message(size, n, index, recipient, target.mail_from)
            n += 1
            # RFC 2920: MAIL, RCPT and DATA go in one write, their replies come back in order.
            s.writer.write(
                f"MAIL FROM:<{target.mail_from}> SIZE={len(body)}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode()
            )
            replies = [await s.reply() for _ in range(3)]
            if replies[2][0] != 354:
                out.refused += 1
                out.first_error = out.first_error or " / ".join(text for _, text in replies)
                await s.command("RSET")
                continue
            s.writer.write(body + b".\r\n")  # no line starts with "." in the generated body
            started = time.monotonic()
            code, text = await s.reply()
            if code == 250:
                out.accepted += 1
                out.latencies.append(time.monotonic() - started)
            else:
                out.refused += 1
                out.first_error = out.first_error or text
        await s.command("QUIT")
    except (OSError, ConnectionError, ssl.SSLError) as exc:
        out.errors += 1
        out.first_error = out.first_error or f"session: {exc}"
    finally:
        s.writer.close()


async def run_load(target: Target, size: int, sessions: int, seconds: float) -> LoadResult:
    out = LoadResult()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(_session(target, size, i, deadline, out) for i in range(sessions)))
    out.elapsed = time.monotonic() - started
    return out
