"""Feeding client bytes through the real framer and parser, for the parser tests."""

from __future__ import annotations

from mailserver.imap.parser import (
    CommandFramer,
    CommandReady,
    FramingEvent,
    FramingLimits,
    ParseError,
    TaggedCommand,
    parse_command,
)


def frame(data: bytes, limits: FramingLimits | None = None) -> list[FramingEvent]:
    framer = CommandFramer(limits)
    framer.feed(data)
    events = []
    while (event := framer.next_event()) is not None:
        events.append(event)
    return events


def _only_command(line: bytes) -> CommandReady:
    data = line + b"\r\n"
    ready = [event for event in frame(data) if isinstance(event, CommandReady)]
    assert len(ready) == 1, f"expected one framed command, got {frame(data)}"
    return ready[0]


def parse(line: bytes, *, utf8: bool = False) -> TaggedCommand:
    """Parse one command (its final CRLF is added); literals are inline, as a client sends them."""
    return parse_command(_only_command(line).command, utf8=utf8)


def refusal(line: bytes, *, utf8: bool = False) -> ParseError:
    """The ParseError one command line is refused with."""
    try:
        result = parse_command(_only_command(line).command, utf8=utf8)
    except ParseError as error:
        return error
    raise AssertionError(f"{line!r} parsed as {result!r}")
