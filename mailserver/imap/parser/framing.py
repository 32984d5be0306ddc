"""Command framing: raw bytes from the socket in, complete IMAP command buffers out.

Owns the byte-level protocol: line ends, literals (`{n}` synchronising, `{n+}` LITERAL+ RFC 7888, `~{n}` literal8
RFC 3516), the size limits, and recovery after a refused line, so that the next command parses. The framer is
pulled one event at a time, because what the next bytes mean depends on the session (IDLE's DONE, AUTHENTICATE's
responses are lines, not commands). It never writes to a socket, never parses arguments and never buffers a
literal it has refused.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from mailserver.imap.parser.errors import ParseError, ResponseStatus
from mailserver.imap.sequence import MAX_NUMBER

__all__ = [
    "CommandFramer",
    "CommandReady",
    "ContinuationLine",
    "ContinuationRequest",
    "FramingEvent",
    "FramingLimits",
    "RawCommand",
    "Refused",
    "tag_of",
]

MIB = 1024 * 1024
# A literal marker ends its line: "{n}", "{n+}" (RFC 7888 §3), "~{n}" (RFC 3516 §4.3 literal8).
_MARKER = re.compile(rb"~?\{([0-9]+)(\+?)\}\Z")
# RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">.
TAG = re.compile(rb"[^\x00-\x20\x7f-\xff(){%*\"\\+]+")
_TAIL = 32  # bytes of a discarded line kept to spot a literal marker at its end


def tag_of(line: bytes | bytearray) -> str | None:
    """The tag a command line starts with, if it has a valid one followed by a space or the end of the line."""
    match = TAG.match(line)
    if match is None or (match.end() < len(line) and line[match.end()] != 0x20):
        return None
    return match.group().decode("ascii")


@dataclass(frozen=True, slots=True)
class FramingLimits:
    """Limits on what a client may send. Lines exclude CRLF and literals; the command size includes both."""

    max_line_length: int = 8192  # RFC 7162 §4: clients should keep lines under about 8192 octets
    max_literal_size: int = 25 * MIB  # a message in APPEND (what APPENDLIMIT, RFC 7889, announces)
    max_argument_literal_size: int = 64 * 1024  # any other literal: names, passwords, search strings
    max_command_size: int = 26 * MIB

    def __post_init__(self) -> None:
        if self.max_command_size < self.max_literal_size + self.max_line_length:
            raise ValueError("max_command_size must hold the largest literal plus one line")


@dataclass(frozen=True, slots=True)
class RawCommand:
    """A complete command: its lines (without CRLF; each but the last ends with its literal marker) and literals."""

    segments: tuple[bytes, ...]
    literals: tuple[bytes, ...] = ()

    @property
    def tag(self) -> str | None:
        return tag_of(self.segments[0])


@dataclass(frozen=True, slots=True)
class CommandReady:
    """A command is complete: hand it to `parse_command`."""

    command: RawCommand


@dataclass(frozen=True, slots=True)
class ContinuationRequest:
    """The client announced a synchronising literal within limits: send `+ ` now (RFC 3501 §7.5)."""

    tag: str | None
    size: int


@dataclass(frozen=True, slots=True)
class ContinuationLine:
    """A line answering a continuation request: IDLE's DONE (RFC 2177) or a SASL response (RFC 3501 §6.2.2)."""

    line: bytes


@dataclass(frozen=True, slots=True)
class Refused:
    """The command was refused while framing; answer `<tag> <status> [<code>] <text>`, or `* ...` without a tag.

    When `fatal` is set the stream cannot be resynchronised: answer, then close the connection.
    """

    tag: str | None
    text: str
    status: ResponseStatus = "BAD"
    code: str | None = None
    fatal: bool = False

    def as_error(self) -> ParseError:
        return ParseError(self.tag, self.text, code=self.code, status=self.status)


FramingEvent = CommandReady | ContinuationRequest | ContinuationLine | Refused


class _State(enum.Enum):
    LINE = "line"  # reading a line: a command's first line, the rest after a literal, or a continuation line
    LITERAL = "literal"  # collecting the bytes of an accepted literal
    SKIP = "skip"  # dropping the bytes of a refused non-synchronising literal
    DISCARD = "discard"  # dropping the rest of a refused line
    CLOSED = "closed"  # the stream is lost; nothing more is read


class CommandFramer:
    """Incremental framer. `feed()` bytes as they arrive, then call `next_event()` until it returns None.

    Act on each event before pulling the next: after the IDLE or AUTHENTICATE command, call
    `expect_continuation()` so that the next line is returned as a `ContinuationLine`, not parsed as a command.
    """

    def __init__(self, limits: FramingLimits | None = None) -> None:
        self._limits = limits or FramingLimits()
        self._buf = bytearray()
        self._pos = 0
        self._scan = 0
        self._state = _State.LINE
        self._continuation = False
        self._segments: list[bytes] = []
        self._literals: list[bytes] = []
        self._size = 0
        self._tag: str | None = None
        self._literal_limit = self._limits.max_argument_literal_size
        self._remaining = 0
        self._awaiting_sync = False
        self._tail = b""

    @property
    def buffered(self) -> int:
        """Bytes received and not yet framed."""
        return len(self._buf) - self._pos

    @property
    def closed(self) -> bool:
        return self._state is _State.CLOSED

    def feed(self, data: bytes) -> None:
        if self._state is not _State.CLOSED:
            self._buf += data

    def discard_buffered(self) -> int:
        """Drop every byte received but not framed; return how many. Call it when STARTTLS succeeds, so that
        plaintext pipelined behind STARTTLS is never taken as a command sent under TLS (RFC 3501 §6.2.1).
        """
        dropped = self.buffered
        self._buf.clear()
        self._pos = self._scan = 0
        return dropped

    def set_limits(self, limits: FramingLimits) -> None:
        """Apply `limits` from the next command on: a session allows message-sized literals only after login."""
        self._limits = limits

    def expect_continuation(self) -> None:
        """Return the next line as a `ContinuationLine` (once), instead of framing it as a command."""
        if self._state is not _State.LINE or self._segments:
            raise RuntimeError("expect_continuation() called in the middle of a command")
        self._continuation = True

    def decline_literal(self) -> str | None:
        """Refuse the synchronising literal just announced by a `ContinuationRequest`, instead of sending "+".

        The client sends no data without "+", so the command is dropped and the next line is a new command; the
        session answers the returned tag itself (e.g. `NO [TRYCREATE]` for APPEND to a missing mailbox, RFC 3501
        §6.3.11). Calling it at any other time is a programming error.
        """
        if not self._awaiting_sync or self._state is not _State.LITERAL:
            raise RuntimeError("decline_literal() called without a pending synchronising literal")
        tag = self._tag
        self._reset_command()
        return tag

    def next_event(self) -> FramingEvent | None:
        while True:
            progressed, event = self._step()
            if event is not None:
                return event
            if not progressed:
                return None

    # ---------------------------------------------------------------- states

    def _step(self) -> tuple[bool, FramingEvent | None]:
        if self._state is _State.LINE:
            return self._read_line()
        if self._state is _State.LITERAL:
            return self._read_literal()
        if self._state is _State.SKIP:
            return self._skip_literal()
        if self._state is _State.DISCARD:
            return self._discard_line()
        return False, None

    def _consume(self, count: int) -> None:
        self._pos += count
        if self._pos >= len(self._buf):
            self._buf.clear()
            self._pos = 0
        elif self._pos > MIB:
            del self._buf[: self._pos]
            self._pos = 0
        self._scan = self._pos

    def _read_line(self) -> tuple[bool, FramingEvent | None]:
        limit = self._limits.max_line_length
        end = self._buf.find(b"\n", self._scan)
        if end < 0:
            if len(self._buf) - self._pos > limit + 1:  # +1: the CR may already be there
                return True, self._refuse_long_line()
            self._scan = len(self._buf)
            return False, None
        line = bytes(self._buf[self._pos : end])
        if len(line) > limit + 1 or (len(line) == limit + 1 and not line.endswith(b"\r")):
            return True, self._refuse_long_line()
        self._consume(end + 1 - self._pos)
        if line.endswith(b"\r"):  # bare LF is accepted as a line end: liberal in what we read
            line = line[:-1]
        if self._continuation:
            self._continuation = False
            return True, ContinuationLine(line)
        return True, self._command_line(line)

    def _refuse_long_line(self) -> Refused:
        if self._segments:
            tag = self._tag
        elif self._continuation:
            tag = None  # the session knows which command the continuation belongs to
        else:
            # Look at the same window whether or not the line end has arrived, so chunking changes nothing.
            window = self._buf[self._pos : self._pos + min(1024, self._limits.max_line_length)]
            space = window.find(b" ")
            tag = tag_of(window[:space]) if space > 0 else None
        self._reset_command()
        self._continuation = False
        self._state = _State.DISCARD
        self._tail = b""
        return Refused(tag, "Command line too long")

    def _command_line(self, line: bytes) -> FramingEvent | None:
        if not self._segments:
            if not line.strip(b" "):
                return None  # a stray empty line between commands is ignored
            self._tag = tag_of(line.split(b" ", 1)[0])
            words = line.split(b" ", 2)
            is_append = len(words) > 1 and words[1].upper() == b"APPEND"
            limits = self._limits
            self._literal_limit = limits.max_literal_size if is_append else limits.max_argument_literal_size
        self._size += len(line) + 2
        marker = _MARKER.search(line)
        if self._size > self._limits.max_command_size:
            tag = self._tag
            self._reset_command()
            if marker is not None and marker.group(2):
                return self._skip_or_close(tag, marker.group(1))
            return Refused(tag, "Command too long")
        self._segments.append(line)
        if marker is None:
            command = RawCommand(tuple(self._segments), tuple(self._literals))
            self._reset_command()
            return CommandReady(command)
        digits, synchronising = marker.group(1), not marker.group(2)
        size = int(digits) if len(digits) <= 10 else MAX_NUMBER + 1
        if size > self._literal_limit or self._size + size > self._limits.max_command_size:
            tag = self._tag
            self._reset_command()
            if synchronising:
                # No "+" is sent, so the client sends no literal (RFC 7889 §3: NO [TOOBIG] for APPEND).
                return Refused(tag, "Literal too large", status="NO", code="TOOBIG")
            return self._skip_or_close(tag, digits)
        self._remaining = size
        self._state = _State.LITERAL
        self._awaiting_sync = synchronising
        return ContinuationRequest(self._tag, size) if synchronising else None

    def _skip_or_close(self, tag: str | None, digits: bytes) -> Refused:
        """A non-synchronising literal is refused, but the client sends it anyway: skip it (RFC 7888 §4)."""
        size = int(digits) if len(digits) <= 10 else MAX_NUMBER + 1
        if size > MAX_NUMBER:
            # Not a number IMAP allows: the stream cannot be resynchronised (a literal injection attempt).
            self._state = _State.CLOSED
            self._buf.clear()
            self._pos = self._scan = 0
            return Refused(tag, "Literal too large", code="TOOBIG", fatal=True)
        self._remaining = size
        self._state = _State.SKIP
        return Refused(tag, "Literal too large", code="TOOBIG")

    def _read_literal(self) -> tuple[bool, FramingEvent | None]:
        if len(self._buf) - self._pos < self._remaining:
            return False, None
        self._awaiting_sync = False
        self._literals.append(bytes(self._buf[self._pos : self._pos + self._remaining]))
        self._size += self._remaining
        self._consume(self._remaining)
        self._state = _State.LINE
        return True, None

    def _skip_literal(self) -> tuple[bool, FramingEvent | None]:
        count = min(self._remaining, len(self._buf) - self._pos)
        self._consume(count)
        self._remaining -= count
        if self._remaining == 0:
            self._state = _State.DISCARD
            self._tail = b""
            return True, None
        return count > 0, None

    def _discard_line(self) -> tuple[bool, FramingEvent | None]:
        end = self._buf.find(b"\n", self._pos)
        if end < 0:
            available = len(self._buf) - self._pos
            self._tail = (self._tail + bytes(self._buf[max(self._pos, len(self._buf) - _TAIL) :]))[-_TAIL:]
            self._consume(available)
            return available > 0, None
        tail = (self._tail + bytes(self._buf[max(self._pos, end - _TAIL) : end]))[-_TAIL:]
        self._consume(end + 1 - self._pos)
        self._tail = b""
        marker = _MARKER.search(tail.removesuffix(b"\r"))
        if marker is not None and marker.group(2):
            # The refused command goes on with a non-synchronising literal: skip it too, then its next line.
            digits = marker.group(1)
            size = int(digits) if len(digits) <= 10 else MAX_NUMBER + 1
            if size > MAX_NUMBER:
                self._state = _State.CLOSED
                return True, Refused(None, "Literal too large", code="TOOBIG", fatal=True)
            self._remaining = size
            self._state = _State.SKIP
            return True, None
        self._state = _State.LINE
        return True, None

    def _reset_command(self) -> None:
        self._awaiting_sync = False
        self._segments = []
        self._literals = []
        self._size = 0
        self._tag = None
        self._state = _State.LINE
