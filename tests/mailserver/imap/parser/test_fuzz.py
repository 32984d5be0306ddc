"""Hypothesis fuzz: random bytes, token soup and mutated valid commands, fed in random chunks to the framer and the
parser, give typed commands, ParseError or a framing refusal, and never any other exception."""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailserver.imap.parser import (
    Authenticate,
    CommandFramer,
    CommandReady,
    ContinuationLine,
    FramingLimits,
    Idle,
    ParseError,
    Refused,
    TaggedCommand,
    decode_sasl_response,
    is_idle_done,
    parse_command,
)
from mailserver.imap.wire import error_response
from tests.mailserver.imap.parser import (
    test_grammar_fetch,
    test_grammar_list,
    test_grammar_mailbox,
    test_grammar_message,
    test_grammar_search,
    test_grammar_session,
)

LIMITS = FramingLimits(max_line_length=512, max_literal_size=2048, max_argument_literal_size=256, max_command_size=4096)
FUZZ = settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
_RESPONSE_LINE = re.compile(rb"(\*|[^\x00-\x20\x7f-\xff(){%*\"\\+]+) (BAD|NO) (\[[^\r\n]*\] )?[^\r\n]+\r\n")

CORPUS = [
    line + b"\r\n"
    for module in (
        test_grammar_session,
        test_grammar_mailbox,
        test_grammar_list,
        test_grammar_message,
        test_grammar_fetch,
        test_grammar_search,
    )
    for table in (module.VALID, module.INVALID)
    for line, _ in table
]
TOKENS = [
    b"a1", b"UID", b"FETCH", b"SEARCH", b"STORE", b"APPEND", b"SELECT", b"LIST", b"SORT", b"THREAD", b"LOGIN",
    b"AUTHENTICATE", b"IDLE", b"ID", b"ENABLE", b"STATUS", b"CREATE", b"RENAME", b"COPY", b"MOVE", b"EXPUNGE",
    b"1:*", b"$", b"*", b"0", b"4294967296", b"1,2:3", b"(", b")", b"[", b"]", b"<0.10>", b"<", b">", b'"',
    b'"x\\"y"', b"\\Seen", b"{3}\r\nabc", b"{3+}\r\nabc", b"~{3+}\r\na\0c", b"{0}\r\n", b"{999999}\r\n",
    b"BODY.PEEK[HEADER.FIELDS (From)]", b"BODY[1.2.MIME]", b"BINARY[1]", b"OR", b"NOT", b"CHARSET", b"UTF-8",
    b"KOI8-R", b"RETURN", b"(MIN COUNT)", b"QRESYNC", b"(CONDSTORE)", b"CHANGEDSINCE", b"VANISHED", b"NIL",
    b"&Jjo-", b"&AGE-", b"&", b"1-Feb-1994", b'" 7-Jul-1996 02:44:25 -0700"', b"\xc3\xa9", b"\xff", b"\r", b"\n",
    b"\r\n", b" ", b"  ", b"\x00", b"DONE", b"=", b"MODSEQ", b'"/flags/\\\\seen"', b"all", b"REVERSE", b"DATE",
]  # fmt: skip


def _check_error_text(response: bytes) -> None:
    assert _RESPONSE_LINE.fullmatch(response) is not None, response


def _check_parse_error(error: ParseError) -> None:
    assert error.status in ("BAD", "NO")
    _check_error_text(error_response(error))


def _check_sasl_error(error: ParseError) -> None:
    assert error.tag is None  # the session answers with the AUTHENTICATE command's tag


def _run(chunks: list[bytes], *, utf8: bool) -> None:
    framer = CommandFramer(LIMITS)
    for chunk in chunks:
        framer.feed(chunk)
        while (event := framer.next_event()) is not None:
            if isinstance(event, CommandReady):
                try:
                    tagged = parse_command(event.command, utf8=utf8)
                except ParseError as error:
                    _check_parse_error(error)
                    continue
                assert isinstance(tagged, TaggedCommand)
                if isinstance(tagged.command, Idle | Authenticate):
                    framer.expect_continuation()
            elif isinstance(event, ContinuationLine):
                is_idle_done(event.line)
                try:
                    decode_sasl_response(event.line)
                except ParseError as error:
                    _check_sasl_error(error)
            elif isinstance(event, Refused):
                _check_error_text(error_response(event))


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[start:end] for start, end in itertools.pairwise(points)]


cuts = st.lists(st.integers(min_value=0, max_value=5000), max_size=12)


@FUZZ
@given(data=st.binary(max_size=600), cuts=cuts, utf8=st.booleans())
def test_random_bytes_never_raise_anything_but_parse_errors(data: bytes, cuts: list[int], utf8: bool) -> None:
    _run(_chunked(data, cuts), utf8=utf8)


@FUZZ
@given(
    tokens=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30),
    separators=st.lists(st.sampled_from([b" ", b"", b"\r\n"]), min_size=30, max_size=30),
    cuts=cuts,
    utf8=st.booleans(),
)
def test_token_soup_never_raises_anything_but_parse_errors(
    tokens: list[bytes], separators: list[bytes], cuts: list[int], utf8: bool
) -> None:
    data = b"a1 " + b"".join(token + separator for token, separator in zip(tokens, separators, strict=False))
    _run(_chunked(data + b"\r\n", cuts), utf8=utf8)


@st.composite
def mutated_commands(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(line)))
        operation = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]))
        if operation == "insert":
            line[position:position] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=3))
        elif operation == "delete":
            del line[position : position + draw(st.integers(min_value=1, max_value=8))]
        elif operation == "replace" and position < len(line):
            line[position] = draw(st.integers(min_value=0, max_value=255))
        elif operation == "duplicate":
            line[position:position] = line[position : position + draw(st.integers(min_value=1, max_value=20))]
        else:
            del line[position:]
    return bytes(line)


@FUZZ
@given(commands=st.lists(mutated_commands(), min_size=1, max_size=4), cuts=cuts, utf8=st.booleans())
def test_mutated_valid_commands_never_raise_anything_but_parse_errors(
    commands: list[bytes], cuts: list[int], utf8: bool
) -> None:
    _run(_chunked(b"".join(commands) + b"\r\n", cuts), utf8=utf8)
