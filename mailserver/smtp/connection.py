"""One SMTP connection: aiosmtpd's protocol class for the transport and STARTTLS, our own command loop.

Owns reading command lines (CRLF only, per-command length limits, a bounded line buffer), reading DATA through
`datascan` in chunks, sending named replies, the error budget (unknown commands and syntax or sequence errors:
`421 4.7.0` after `max_errors`), the idle timeout (`421 4.4.2`), and the last-resort exception handler: the
client gets `451 4.3.0` with a trace id, the log gets the exception (aiosmtpd's default would send the
exception's text to the peer). TLS facts (version, cipher, the peer's chain) are taken when TLS comes up,
implicit or through STARTTLS. What each command does lives in `commands`; never decides policy.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP, TLSSetupException

from mailserver.crypto.tls import handshake_failure, peer_chain
from mailserver.delivery.envelope import PeerCertificate
from mailserver.smtp import commands, replies
from mailserver.smtp.datascan import DataResult, DataScanner
from mailserver.smtp.replies import Reply
from mailserver.smtp.services import COMMAND_LINE, COMMAND_LINES, SmtpServices
from mailserver.smtp.session import Door, SessionState
from mailserver.smtp.syntax import CommandError, split_command

log = logging.getLogger("caducee.smtp")

READ_CHUNK = 256 * 1024
HELD_REPLIES_MAX = 64 * 1024  # replies held for a pipelining client are sent at least this often
_ERROR_CODES = frozenset({500, 501, 502, 503, 504, 530, 538, 555})


class _NoHooks:
    """aiosmtpd wants a handler object; our commands do not use its hooks."""


class SmtpConnection(SMTP):
    line_length_limit = 16384  # the StreamReader's limit: an AUTH line may hold 12288 octets (RFC 4954 §4)

    def __init__(
        self,
        services: SmtpServices,
        door: Door,
        *,
        tls_context: ssl.SSLContext | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        super().__init__(
            _NoHooks(),
            hostname=services.hostname,
            ident="Caducee",
            tls_context=None if door.implicit_tls else tls_context,
            timeout=services.limits.idle_timeout,
            enable_SMTPUTF8=True,
            decode_data=False,
            loop=loop,
        )
        self.services = services
        self.door = door
        self.tls_available = tls_context is not None and not door.implicit_tls
        self.state = SessionState(client_ip="")
        self._held = bytearray()  # replies not yet written (see `push`)
        self._idle_deadline = 0.0  # loop time after which a silent session is closed (see `_reset_timeout`)

    # ------------------------------------------------------------------ transport and TLS
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        upgraded = self._original_transport is not None
        super().connection_made(transport)
        if not upgraded:
            peer = transport.get_extra_info("peername")
            self.state = SessionState(client_ip=str(peer[0]) if peer else "")
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            self._tls_up(ssl_object)

    def tls_started(self, transport: asyncio.Transport) -> None:
        """STARTTLS's handshake is done: read and write through `transport`, and restart the session (RFC 3207
        §4.2: as after the greeting). What is in the reader now came through TLS (a client may send its commands
        with the end of the handshake) and is kept; the clear text was dropped before the handshake."""
        self._reader._transport = transport  # type: ignore[attr-defined]
        self._writer._transport = transport  # type: ignore[attr-defined]
        self.transport = transport
        self._set_rset_state()  # type: ignore[no-untyped-call]
        self.session = self._create_session()
        self.session.peer = transport.get_extra_info("peername")
        self._reset_timeout()
        self._tls_up(transport.get_extra_info("ssl_object"))

    def discard_input(self) -> None:
        self._reader._buffer.clear()  # type: ignore[attr-defined]

    def _tls_up(self, ssl_object: Any) -> None:
        cipher = ssl_object.cipher()
        tls = f"{ssl_object.version()} {cipher[0] if cipher else ''}".strip()
        chain = tuple(peer_chain(ssl_object))
        self.state.restart_after_tls(tls, chain)
        if self.door.name == "mx":
            verdict = self.services.verifier.classify(chain)
            self.state.peer = PeerCertificate(verdict.status, verdict.subject_dn, verdict.dn_key, verdict.detail)
            log.info(
                "tls",
                extra={
                    "session": self.state.session_id,
                    "tls": tls,
                    "peer_dn": verdict.subject_dn,
                    "certificate": verdict.status,
                },
            )

    @property
    def tls_active(self) -> bool:
        return self.state.tls is not None

    def _reset_timeout(self, duration: float | None = None) -> None:
        """Push the idle deadline back. aiosmtpd cancels its timer and makes a new one at every line and chunk (3 %
        of the event loop's time at 4 KB, py-spy --gil); here one timer a session is re-armed only when it fires
        before the deadline, or when the new deadline comes sooner than it."""
        deadline = self.loop.time() + (duration or self._timeout_duration)
        self._idle_deadline = deadline
        handle = self._timeout_handle
        if handle is None or handle.cancelled() or deadline < handle.when():
            if handle is not None:
                handle.cancel()
            self._timeout_handle = self.loop.call_at(deadline, self._idle_check)

    def _idle_check(self) -> None:
        if self.loop.time() < self._idle_deadline:  # activity since the timer was set: wait for the rest
            self._timeout_handle = self.loop.call_at(self._idle_deadline, self._idle_check)
        else:
            self._timeout_cb()

    def _timeout_cb(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._held += replies.IDLE_TIMEOUT.line().encode() + b"\r\n"  # RFC 5321 §4.5.3.2
            self._writer.write(bytes(self._held))
            self._held.clear()
        log.info("idle timeout", extra={"session": self.state.session_id})
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ replies
    async def push(self, status: AnyStr) -> None:
        """Hold a reply line; `flush` writes the held lines at once. RFC 2920 §3.1 lets a server hold the replies
        to pipelined commands until it must wait for input: the loop flushes before each read that would wait
        (and before DATA's content, STARTTLS's handshake, and closing), so a pipelined MAIL, RCPT and DATA cost
        one TLS record and one send() instead of three."""
        self._held += (status.encode("utf-8") if isinstance(status, str) else status) + b"\r\n"
        if len(self._held) >= HELD_REPLIES_MAX:
            await self.flush()

    async def flush(self) -> None:
        if not self._held:
            return
        data = bytes(self._held)
        self._held.clear()
        if self.transport is not None and not self.transport.is_closing():
            self._writer.write(data)
            await self._writer.drain()

    async def reply(self, reply: Reply, **fields: object) -> None:
        await self.push(reply.line(**fields))
        if reply.closes:
            self.close()
        elif reply.code in _ERROR_CODES:
            self.state.errors += 1
            if self.state.errors >= self.services.limits.max_errors:
                await self.push(replies.TOO_MANY_ERRORS.line())
                log.info("too many errors", extra={"session": self.state.session_id})
                self.close()

    async def send_lines(self, code: int, lines: list[str]) -> None:
        """A multiline reply (RFC 5321 §4.2.1): `250-...` lines, then `250 ...`, written at once."""
        out = [f"{code}-{text}" for text in lines[:-1]] + [f"{code} {lines[-1]}"]
        await self.push("\r\n".join(out))

    def close(self) -> None:
        if self.transport is not None:
            if self._held and not self.transport.is_closing():
                self._writer.write(bytes(self._held))  # the transport sends what it has before it closes
            self._held.clear()
            self.transport.close()

    async def handle_exception(self, error: Exception) -> str:
        """Never the exception's text to the peer: a trace id, and the detail in the log."""
        trace = f"{self.state.session_id}.e{self.state.transactions}"
        log.error(
            "session failure",
            exc_info=(type(error), error, error.__traceback__),
            extra={"session": self.state.session_id, "trace": trace, "client": self.state.client_ip},
        )
        return replies.INTERNAL_ERROR.line(trace=trace)

    # ------------------------------------------------------------------ reading
    async def read_line(self, limit: int) -> str | None:
        """One line without its CRLF; None (after replying) when it is too long or not CRLF-terminated."""
        if self._held and b"\n" not in self._reader._buffer:  # type: ignore[attr-defined]
            await self.flush()  # the client waits for our replies before it sends more
        try:
            raw = await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:
            await self._discard_line(exc.consumed)
            await self.reply(replies.LINE_TOO_LONG)
            return None
        except asyncio.IncompleteReadError:
            self.close()  # the client went away in the middle of a line
            return None
        self._reset_timeout()
        if not raw.endswith(b"\r\n") or b"\r" in raw[:-2]:  # RFC 5321 §2.3.8: no bare CR or LF
            await self.reply(replies.BARE_LINE_ENDING_COMMAND)
            return None
        if len(raw) - 2 > limit:
            await self.reply(replies.LINE_TOO_LONG)
            return None
        try:
            return raw[:-2].decode("utf-8")
        except UnicodeDecodeError:
            await self.reply(replies.SYNTAX_ERROR)
            return None

    async def _discard_line(self, consumed: int) -> None:
        await self._reader.readexactly(consumed)
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as exc:
                await self._reader.readexactly(exc.consumed)

    async def read_data(self) -> DataResult:
        """Message data up to CRLF.CRLF (RFC 5321 §4.1.1.4), read in chunks; what follows stays for the loop."""
        await self.flush()  # the 354 (RFC 2920 §3.1: the client waits for it before sending the content)
        limits = self.services.limits
        scanner = DataScanner(limits.max_message_size, limits.max_header_fields)
        while True:
            chunk = await self._reader.read(READ_CHUNK)
            if not chunk:
                raise ConnectionResetError("connection closed during DATA")
            self._reset_timeout()
            leftover = scanner.feed(chunk)
            if leftover is not None:
                if leftover:
                    # Pipelined commands after the end of data go back in front of the reader's buffer
                    # (aiosmtpd itself manages this buffer for STARTTLS).
                    self._reader._buffer[0:0] = leftover  # type: ignore[attr-defined]
                return scanner.result()

    # ------------------------------------------------------------------ the command loop
    async def _handle_client(self) -> None:
        await self.reply(replies.GREETING, host=self.hostname)
        while self.transport is not None:
            try:
                line = await self.read_line(COMMAND_LINES["AUTH"])
                if line is None:
                    continue
                await self._dispatch(line)
            except asyncio.CancelledError:
                self._writer.close()
                raise
            except ConnectionResetError:
                self._writer.close()
                return
            except TLSSetupException as exc:
                cause = exc.__cause__ or exc
                log.info(
                    "TLS handshake failed",
                    extra={
                        "session": self.state.session_id,
                        "client": self.state.client_ip,
                        "reason": handshake_failure(cause) or type(cause).__name__,
                    },
                )
                self.close()
                return
            except Exception as exc:
                self.state.txn = None  # RFC 5321 §4.2.5: a 4xx ends the transaction
                await self.push(await self.handle_exception(exc))

    async def _dispatch(self, line: str) -> None:
        try:
            verb, arg = split_command(line)
        except CommandError as exc:
            await self.reply(exc.reply)
            return
        command = commands.COMMANDS.get(verb)
        if command is None:
            log.info("unknown command", extra={"session": self.state.session_id, "verb": verb[:16]})
            await self.reply(replies.UNKNOWN_COMMAND)
            return
        if len(line) > COMMAND_LINES.get(verb, COMMAND_LINE):
            await self.reply(replies.LINE_TOO_LONG)
            return
        await command(self, arg)
