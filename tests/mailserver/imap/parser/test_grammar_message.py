"""STORE, COPY, MOVE and EXPUNGE, in sequence-number and UID forms."""

from __future__ import annotations

import pytest

from mailserver.imap.parser import Command, Copy, Expunge, Move, Store, StoreMode
from mailserver.imap.sequence import SequenceSet
from tests.mailserver.imap.parser.client_input import parse, refusal

S = SequenceSet.parse

VALID: list[tuple[bytes, Command]] = [
    (b"a1 STORE 1 FLAGS (\\Seen)", Store(S("1"), StoreMode.REPLACE, ("\\Seen",))),
    (b"a1 STORE 1:* +FLAGS.SILENT (\\Deleted)", Store(S("1:*"), StoreMode.ADD, ("\\Deleted",), silent=True)),
    (b"a1 store 2 -flags.silent (\\seen)", Store(S("2"), StoreMode.REMOVE, ("\\Seen",), silent=True)),
    (
        b"a1 UID STORE 5 -FLAGS \\Seen \\Flagged",  # flags without parentheses (RFC 3501 §9)
        Store(S("5"), StoreMode.REMOVE, ("\\Seen", "\\Flagged"), uid=True),
    ),
    (
        b"a1 STORE 2 (UNCHANGEDSINCE 12345) +FLAGS ($Forwarded)",
        Store(S("2"), StoreMode.ADD, ("$Forwarded",), unchanged_since=12345),
    ),
    (b"a1 STORE 1 FLAGS ()", Store(S("1"), StoreMode.REPLACE, ())),
    (b"a1 STORE 1 +FLAGS (\\Seen foo]bar)", Store(S("1"), StoreMode.ADD, ("\\Seen", "foo]bar"))),
    (b"a1 STORE $ +FLAGS (\\Answered)", Store(SequenceSet((), saved=True), StoreMode.ADD, ("\\Answered",))),
    (b"a1 STORE 1 +FLAGS (\\Seen )", Store(S("1"), StoreMode.ADD, ("\\Seen",))),
    (b"a1 STORE 1 +FLAGS (\\MyExtension)", Store(S("1"), StoreMode.ADD, ("\\MyExtension",))),
    (b"a1 COPY 1:3 Archives", Copy(S("1:3"), "Archives")),
    (b'a1 UID COPY 1,5:7 "Entw&APw-rfe"', Copy(S("1,5:7"), "Entwürfe", uid=True)),
    (b"a1 MOVE 2 Trash", Move(S("2"), "Trash")),
    (b'a1 UID MOVE 9:7 "Corbeille"', Move(S("9:7"), "Corbeille", uid=True)),
    (b"a1 EXPUNGE", Expunge()),
    (b"a1 UID EXPUNGE 3000:3002,3010", Expunge(S("3000:3002,3010"))),
]

INVALID: list[tuple[bytes, str]] = [
    (b"a1 STORE 1 FLAGZ (\\Seen)", "Unknown STORE data item"),
    (b"a1 STORE 1 X-GM-LABELS (foo)", "Unknown STORE data item"),
    (b"a1 STORE 1 +FLAGS", "Missing"),
    (b"a1 STORE 0 FLAGS (\\Seen)", "Invalid sequence set"),
    (b"a1 STORE 4294967296 FLAGS (\\Seen)", "Invalid sequence set"),
    (b"a1 STORE 1,,2 FLAGS (\\Seen)", "Invalid sequence set"),
    (b"a1 STORE 1 (FOO 1) FLAGS ()", "Unknown STORE modifier"),
    (b"a1 STORE 1 (UNCHANGEDSINCE) FLAGS ()", "Missing"),
    (b"a1 STORE 1 +FLAGS (\\Seen", "Expected ')'"),
    (b"a1 STORE 1 +FLAGS (\\*)", "Expected flag"),
    (b"a1 STORE 1 +FLAGS (\\Seen\\Deleted)", "Invalid character in flag"),
    (b"a1 STORE 1 +FLAGS (caf\xc3\xa9)", "Invalid character in flag"),
    (b"a1 COPY 1", "Missing"),
    (b"a1 COPY 1:x INBOX", "Invalid sequence set"),
    (b"a1 MOVE INBOX", "Expected sequence set"),
    (b"a1 UID EXPUNGE", "Missing"),
    (b"a1 EXPUNGE 1", "Unexpected extra arguments"),
    (b"a1 UID FROB 1", "Unknown UID command"),
    (b"a1 UID", "Missing"),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[repr(line) for line, _ in VALID])
def test_message_command_parses_to_its_typed_command(line: bytes, expected: Command) -> None:
    parsed = parse(line)
    assert parsed.tag == "a1"
    assert parsed.command == expected


@pytest.mark.parametrize(("line", "message"), INVALID, ids=[repr(line) for line, _ in INVALID])
def test_malformed_message_command_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text
