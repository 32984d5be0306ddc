"""Command framing: literals of every kind, limits refused before data is read, recovery, continuation lines, and
the same events whatever the chunking of the byte stream."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailserver.imap.parser import (
    CommandFramer,
    CommandReady,
    ContinuationLine,
    ContinuationRequest,
    FramingEvent,
    FramingLimits,
    RawCommand,
    Refused,
    parse_command,
)
from tests.mailserver.imap.parser.client_input import frame

SMALL = FramingLimits(max_line_length=64, max_literal_size=1000, max_argument_literal_size=100, max_command_size=2000)


def ready(*segments: bytes, literals: tuple[bytes, ...] = ()) -> CommandReady:
    return CommandReady(RawCommand(segments, literals))


def test_pipelined_commands_come_out_one_by_one() -> None:
    assert frame(b"a1 NOOP\r\na2 CAPABILITY\r\n") == [ready(b"a1 NOOP"), ready(b"a2 CAPABILITY")]


def test_bare_lf_ends_a_line_and_empty_lines_are_ignored() -> None:
    assert frame(b"\r\na1 NOOP\n\n  \r\na2 NOOP\r\n") == [ready(b"a1 NOOP"), ready(b"a2 NOOP")]


def test_synchronising_literal_asks_for_continuation_before_its_data_arrives() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 LOGIN {5}\r\n")
    assert framer.next_event() == ContinuationRequest("a1", 5)
    assert framer.next_event() is None
    framer.feed(b"alice secret\r\n")
    assert framer.next_event() == ready(b"a1 LOGIN {5}", b" secret", literals=(b"alice",))


def test_non_synchronising_literal_needs_no_continuation() -> None:
    assert frame(b"a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n") == [
        ready(b"a1 LOGIN {5+}", b" {6+}", b"", literals=(b"alice", b"secret"))
    ]


def test_literal_data_may_hold_crlf_and_nul_and_is_kept_byte_exact() -> None:
    data = b"Subject: x\r\n\r\nline\r\n\0\xff"
    events = frame(b"a1 APPEND INBOX ~{%d+}\r\n" % len(data) + data + b"\r\n")
    assert events == [ready(b"a1 APPEND INBOX ~{%d+}" % len(data), b"", literals=(data,))]


def test_oversized_synchronising_literal_is_refused_before_its_data_is_read() -> None:
    framer = CommandFramer(SMALL)
    framer.feed(b"a1 APPEND INBOX {1001}\r\n")
    # RFC 7889: no "+" is sent, so the client never sends the data; the framer is ready for the next command.
    assert framer.next_event() == Refused("a1", "Literal too large", status="NO", code="TOOBIG")
    assert framer.buffered == 0
    framer.feed(b"a2 NOOP\r\n")
    assert framer.next_event() == ready(b"a2 NOOP")


def test_literal_limit_is_lower_outside_append() -> None:
    assert frame(b"a1 LOGIN {101}\r\n", SMALL) == [Refused("a1", "Literal too large", status="NO", code="TOOBIG")]
    assert frame(b"a1 APPEND INBOX {101}\r\n", SMALL) == [ContinuationRequest("a1", 101)]


def test_oversized_non_synchronising_literal_is_skipped_unbuffered_and_the_next_command_parses() -> None:
    framer = CommandFramer(SMALL)
    framer.feed(b"a1 APPEND INBOX {5000+}\r\n")
    assert framer.next_event() == Refused("a1", "Literal too large", code="TOOBIG")
    data = (b"x1 LOGOUT\r\n" * 500)[:5000]  # literal data that must never be taken as commands
    for start in range(0, 5000, 100):
        framer.feed(data[start : start + 100])
        assert framer.next_event() is None
        assert framer.buffered == 0
    framer.feed(b" trailing arguments\r\na2 NOOP\r\n")
    assert framer.next_event() == ready(b"a2 NOOP")


def test_absurd_literal_size_closes_the_stream() -> None:
    framer = CommandFramer(SMALL)
    framer.feed(b"a1 APPEND INBOX {99999999999999999999+}\r\nx1 LOGOUT\r\n")
    assert framer.next_event() == Refused("a1", "Literal too large", code="TOOBIG", fatal=True)
    assert framer.closed
    framer.feed(b"a2 NOOP\r\n")
    assert framer.next_event() is None


def test_over_long_line_is_bad_with_its_tag_and_the_next_command_parses() -> None:
    events = frame(b"a1 SEARCH " + b"ALL " * 40 + b"\r\na2 NOOP\r\n", SMALL)
    assert events == [Refused("a1", "Command line too long"), ready(b"a2 NOOP")]


def test_over_long_line_is_refused_before_its_end_arrives() -> None:
    framer = CommandFramer(SMALL)
    framer.feed(b"a1 SEARCH " + b"X" * 100)
    assert framer.next_event() == Refused("a1", "Command line too long")
    framer.feed(b"X" * 10_000)
    assert framer.next_event() is None
    assert framer.buffered == 0
    framer.feed(b"\r\na2 NOOP\r\n")
    assert framer.next_event() == ready(b"a2 NOOP")


def test_over_long_line_ending_in_a_literal_skips_that_literal_too() -> None:
    smuggled = b"x1 DELETE INBOX\r\n"
    stream = b"a1 LOGIN " + b"u" * 100 + b" {%d+}\r\n" % len(smuggled) + smuggled + b"\r\na2 NOOP\r\n"
    assert frame(stream, SMALL) == [Refused("a1", "Command line too long"), ready(b"a2 NOOP")]


def test_line_of_exactly_the_limit_is_accepted() -> None:
    line = b"a1 NOOP " + b"x" * (64 - 8)
    assert frame(line + b"\r\n", SMALL) == [ready(line)]
    assert frame(line + b"y\r\n", SMALL) == [Refused("a1", "Command line too long")]


def test_command_larger_than_the_total_limit_is_refused() -> None:
    literal = b"{90+}\r\n" + b"x" * 90
    stream = b"a1 SEARCH TEXT " + (literal + b" TEXT ") * 30 + b"ALL\r\na2 NOOP\r\n"
    events = frame(stream, SMALL)
    assert events[0] == Refused("a1", "Literal too large", code="TOOBIG")
    assert events[1:] == [ready(b"a2 NOOP")]


def test_idle_done_is_a_continuation_line_not_a_command() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 IDLE\r\nDONE\r\na2 NOOP\r\n")
    assert framer.next_event() == ready(b"a1 IDLE")
    framer.expect_continuation()
    assert framer.next_event() == ContinuationLine(b"DONE")
    assert framer.next_event() == ready(b"a2 NOOP")


def test_authenticate_responses_are_continuation_lines_even_when_empty() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 AUTHENTICATE PLAIN\r\n")
    assert framer.next_event() == ready(b"a1 AUTHENTICATE PLAIN")
    framer.expect_continuation()
    framer.feed(b"\r\n")
    assert framer.next_event() == ContinuationLine(b"")


def test_over_long_continuation_line_is_refused_without_a_tag() -> None:
    framer = CommandFramer(SMALL)
    framer.expect_continuation()
    framer.feed(b"a" * 200 + b"\r\na2 NOOP\r\n")
    assert framer.next_event() == Refused(None, "Command line too long")
    assert framer.next_event() == ready(b"a2 NOOP")


def test_expect_continuation_in_the_middle_of_a_command_is_a_programming_error() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 LOGIN {5}\r\n")
    assert isinstance(framer.next_event(), ContinuationRequest)
    with pytest.raises(RuntimeError):
        framer.expect_continuation()


def test_plaintext_pipelined_behind_starttls_is_discarded() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 STARTTLS\r\na2 LOGIN alice secret\r\n")
    assert framer.next_event() == ready(b"a1 STARTTLS")
    assert framer.discard_buffered() == len(b"a2 LOGIN alice secret\r\n")
    assert framer.next_event() is None


def test_session_may_decline_a_synchronising_literal_instead_of_sending_continuation() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 APPEND Missing {310}\r\n")
    assert framer.next_event() == ContinuationRequest("a1", 310)
    assert framer.decline_literal() == "a1"  # the session answers "a1 NO [TRYCREATE]"
    framer.feed(b"a2 NOOP\r\n")
    assert framer.next_event() == ready(b"a2 NOOP")


def test_declining_without_a_pending_synchronising_literal_is_a_programming_error() -> None:
    framer = CommandFramer()
    framer.feed(b"a1 APPEND INBOX {3+}\r\n")
    assert framer.next_event() is None
    with pytest.raises(RuntimeError):
        framer.decline_literal()


def test_limits_that_cannot_hold_one_literal_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_command_size"):
        FramingLimits(max_literal_size=100, max_command_size=50)


# ---------------------------------------------------------------- chunking does not matter

STREAMS = [
    b"a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\na2 SELECT INBOX\r\n",
    b"a1 APPEND INBOX (\\Seen) ~{12+}\r\nHello\r\n\0World\r\na2 NOOP\n",
    b"a1 APPEND INBOX {5000+}\r\n" + b"x" * 5000 + b"\r\na2 NOOP\r\n",
    b"a1 APPEND INBOX {5000}\r\na2 NOOP\r\n",
    b"a1 SEARCH " + b"ALL " * 40 + b"\r\na2 NOOP\r\n",
    b"a1 LOGIN " + b"u" * 100 + b" {17+}\r\nx1 DELETE INBOX\r\n\r\na2 NOOP\r\n",
    b"\r\n\r\na1 FETCH 1:* (BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100>)\r\n",
    b"a1 IDLE\r\nDONE\r\na2 AUTHENTICATE PLAIN\r\n" + b"A" * 80 + b"\r\na3 NOOP\r\n",
    b"a1 APPEND INBOX {99999999999999+}\r\na2 NOOP\r\n",
    b"a1 STORE 1 +FLAGS (\\Seen)\ra2 NOOP\r\n" + b"z" * 70,
]


def _events(chunks: list[bytes]) -> list[FramingEvent]:
    framer = CommandFramer(SMALL)
    events: list[FramingEvent] = []
    for chunk in chunks:
        framer.feed(chunk)
        while (event := framer.next_event()) is not None:
            events.append(event)
            if isinstance(event, CommandReady) and event.command.segments[0].split(b" ")[1:2] in (
                [b"IDLE"],
                [b"AUTHENTICATE"],
            ):
                framer.expect_continuation()
    return events


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[start:end] for start, end in itertools.pairwise(points)]


@pytest.mark.parametrize("stream", STREAMS, ids=range(len(STREAMS)))
def test_byte_by_byte_feeding_gives_the_same_events_as_one_feed(stream: bytes) -> None:
    assert _events([stream[i : i + 1] for i in range(len(stream))]) == _events([stream])


@settings(deadline=None, max_examples=200)
@given(stream=st.sampled_from(STREAMS), cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_random_chunking_gives_the_same_events_as_one_feed(stream: bytes, cuts: list[int]) -> None:
    assert _events(_cut(stream, cuts)) == _events([stream])


def test_framed_commands_parse() -> None:
    events = _events([STREAMS[0]])
    commands = [parse_command(event.command) for event in events if isinstance(event, CommandReady)]
    assert [command.tag for command in commands] == ["a1", "a2"]
