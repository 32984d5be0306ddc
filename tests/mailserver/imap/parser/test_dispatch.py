"""Tags and command names: what every command line goes through before its own grammar."""

from __future__ import annotations

import pytest

from mailserver.imap.parser import Fetch, Noop, RawCommand, parse_command
from tests.mailserver.imap.parser.client_input import parse, refusal


@pytest.mark.parametrize("tag", ["a1", "A0001", "tag.with.dots", "a]1", "~x!#&'-_", "0"])
def test_any_astring_char_but_plus_makes_a_tag(tag: str) -> None:
    assert parse(tag.encode() + b" NOOP") == parse_command(RawCommand((tag.encode() + b" NOOP",)))
    assert parse(tag.encode() + b" NOOP").tag == tag


@pytest.mark.parametrize("line", [b"+1 NOOP", b"* NOOP", b"(a) NOOP", b" a1 NOOP", b'a"1 NOOP', b"a{1} NOOP"])
def test_line_without_a_usable_tag_is_untagged_bad(line: bytes) -> None:
    error = refusal(line)
    assert (error.tag, error.status, error.client_text) == (None, "BAD", "Invalid tag")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"a1", "Missing command"),
        (b"a1 FROB", "Unknown command"),
        (b"a1 XLIST", "Unknown command"),
        (b"a1 (NOOP)", "Expected command name"),
        (b"a1 NOOP\rx", "Unexpected extra arguments"),
        (b"a1 UID NOOP", "Unknown UID command"),
    ],
)
def test_unknown_or_missing_command_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text


def test_command_names_are_case_insensitive() -> None:
    assert parse(b"a1 nOoP").command == Noop()


def test_commands_parse_whatever_the_session_state() -> None:
    # Whether FETCH is allowed before SELECT is the session's decision, not the parser's.
    assert isinstance(parse(b"a1 FETCH 1 FLAGS").command, Fetch)
