"""Mailbox commands: SELECT/EXAMINE with CONDSTORE and QRESYNC, CREATE with USE, names in modified UTF-7 or UTF-8,
STATUS, LSUB and APPEND with and without flags and date."""

from __future__ import annotations

import datetime as dt

import pytest

from mailserver.imap.parser import (
    Append,
    Command,
    Create,
    Delete,
    Examine,
    Lsub,
    QresyncParameters,
    Rename,
    Select,
    Status,
    StatusItem,
    Subscribe,
    Unsubscribe,
)
from mailserver.imap.sequence import SequenceSet
from tests.mailserver.imap.parser.client_input import parse, refusal

MESSAGE = b"From: a@b.test\r\nSubject: x\r\n\r\nbody\r\n"
LITERAL = b"{%d+}\r\n" % len(MESSAGE) + MESSAGE
JULY_7 = dt.datetime(1996, 7, 7, 2, 44, 25, tzinfo=dt.timezone(dt.timedelta(hours=-7)))

VALID: list[tuple[bytes, Command]] = [
    (b"a1 SELECT INBOX", Select("INBOX")),
    (b"a1 select inbox", Select("INBOX")),  # RFC 3501 §5.1: INBOX in any case
    (b'a1 SELECT "Inbox"', Select("INBOX")),
    (b"a1 SELECT INBOX/Sub", Select("INBOX/Sub")),
    (b"a1 SELECT Entw&APw-rfe", Select("Entwürfe")),
    (b'a1 SELECT "&Jjo-!"', Select("☺!")),
    (b'a1 SELECT "~peter/mail/&U,BTFw-/&ZeVnLIqe-"', Select("~peter/mail/台北/日本語")),
    (b'a1 SELECT "Tom &- Jerry"', Select("Tom & Jerry")),
    (b'a1 SELECT "Entw\xc3\xbcrfe"', Select("Entwürfe")),  # raw UTF-8 without ENABLE is taken
    (b"a1 SELECT {8+}\r\nArchives", Select("Archives")),
    (b"a1 SELECT INBOX (CONDSTORE)", Select("INBOX", condstore=True)),
    (b"a1 EXAMINE INBOX", Examine("INBOX")),
    (b"a1 EXAMINE INBOX (CONDSTORE)", Examine("INBOX", condstore=True)),
    (
        b"a1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
        Select("INBOX", qresync=QresyncParameters(67890007, 20050715194045000, SequenceSet.parse("41,43:211,214:541"))),
    ),
    (
        b"a1 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:100,200 1:*)))",
        Select(
            "INBOX",
            qresync=QresyncParameters(
                67890007,
                90060115194045000,
                SequenceSet.parse("41:211,214:541"),
                SequenceSet.parse("1:100,200"),
                SequenceSet.parse("1:*"),
            ),
        ),
    ),
    (b"a1 SELECT INBOX (QRESYNC (1 0))", Select("INBOX", qresync=QresyncParameters(1, 0))),
    (
        b"a1 SELECT INBOX (CONDSTORE QRESYNC (5 9 (1,2 7,9)))",
        Select(
            "INBOX",
            condstore=True,
            qresync=QresyncParameters(5, 9, None, SequenceSet.parse("1,2"), SequenceSet.parse("7,9")),
        ),
    ),
    (b"a1 CREATE Archives/2024", Create("Archives/2024")),
    (b'a1 CREATE "Mes brouillons" (USE (\\Drafts))', Create("Mes brouillons", ("\\Drafts",))),
    (b"a1 CREATE Poubelle (USE (\\trash \\Junk))", Create("Poubelle", ("\\Trash", "\\Junk"))),
    (b'a1 DELETE "&Jjo-!"', Delete("☺!")),
    (b'a1 RENAME Old "&U,BTFw-"', Rename("Old", "台北")),
    (b"a1 SUBSCRIBE Archives", Subscribe("Archives")),
    (b"a1 UNSUBSCRIBE Archives", Unsubscribe("Archives")),
    (
        b"a1 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE DELETED)",
        Status("INBOX", tuple(StatusItem)),
    ),
    (b"a1 status Sent (uidnext messages)", Status("Sent", (StatusItem.UIDNEXT, StatusItem.MESSAGES))),
    (b'a1 LSUB "" "*"', Lsub("", "*")),
    (b"a1 LSUB Archives %", Lsub("Archives", "%")),
    (b"a1 APPEND INBOX " + LITERAL, Append("INBOX", MESSAGE)),  # no flag list: mbsync
    (b"a1 APPEND INBOX () " + LITERAL, Append("INBOX", MESSAGE)),
    (b"a1 APPEND INBOX (\\Seen) " + LITERAL, Append("INBOX", MESSAGE, ("\\Seen",))),
    (
        b'a1 APPEND Sent (\\Seen $Forwarded) " 7-Jul-1996 02:44:25 -0700" ' + LITERAL,
        Append("Sent", MESSAGE, ("\\Seen", "$Forwarded"), JULY_7),
    ),
    (b'a1 APPEND Sent "07-jul-1996 02:44:25 -0700" ' + LITERAL, Append("Sent", MESSAGE, (), JULY_7)),
    (b"a1 APPEND Drafts ~{5+}\r\na\0b\r\n", Append("Drafts", b"a\0b\r\n", binary=True)),
    (b"a1 APPEND INBOX {0+}\r\n", Append("INBOX", b"")),
]

INVALID: list[tuple[bytes, str]] = [
    (b"a1 SELECT", "Missing"),
    (b"a1 SELECT INBOX (FOO)", "Unknown SELECT parameter"),
    (b"a1 SELECT INBOX (CONDSTORE", "Expected ')'"),
    (b"a1 SELECT INBOX (QRESYNC (0 1))", "Zero is not allowed"),
    (b"a1 SELECT INBOX (QRESYNC (1))", "Missing"),
    (b"a1 SELECT INBOX (QRESYNC (1 99999999999999999999999))", "Number too large"),
    (b"a1 SELECT INBOX (QRESYNC (1 2 0:5))", "Invalid known UIDs"),
    (b'a1 SELECT "&AGE-"', "modified UTF-7"),  # printable ASCII must not be shifted
    (b'a1 SELECT "Entw&APw"', "modified UTF-7"),
    (b'a1 SELECT "Tom & Jerry"', "modified UTF-7"),
    (b"a1 SELECT {3+}\r\na\x01b", "modified UTF-7"),
    (b'a1 SELECT "a&AAE-b"', "Control character"),  # a shifted control character is still refused
    (b"a1 SELECT {3+}\r\n\xc3\xa9\x01", "Control character"),
    (b"a1 SELECT INBOX INBOX", "Expected '('"),
    (b"a1 CREATE Foo (BAR (x))", "Unknown CREATE parameter"),
    (b"a1 CREATE Foo (USE \\Drafts)", "Expected '('"),
    (b"a1 RENAME Old", "Missing"),
    (b"a1 STATUS INBOX", "Missing"),
    (b"a1 STATUS INBOX (MESSAGES BOGUS)", "Unknown status item"),
    (b"a1 STATUS INBOX ()", "Empty list of status items"),
    (b'a1 LSUB ""', "Missing"),
    (b'a1 APPEND INBOX (\\Seen) "yesterday" ' + LITERAL, "Invalid date-time"),
    (b'a1 APPEND INBOX "31-Feb-2024 10:00:00 +0000" ' + LITERAL, "Invalid date-time"),
    (b"a1 APPEND INBOX (\\Seen)", "Missing"),
    (b'a1 APPEND INBOX "message as quoted string"', "Invalid date-time"),
    (b"a1 APPEND INBOX (\\Seen) message", "Expected message literal"),
    (b"a1 APPEND INBOX " + LITERAL + b" " + LITERAL, "Unexpected extra arguments"),  # no MULTIAPPEND
    (b"a1 DELETE ~{3+}\r\nabc", "literal8 not allowed"),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[repr(line[:60]) for line, _ in VALID])
def test_mailbox_command_parses_to_its_typed_command(line: bytes, expected: Command) -> None:
    parsed = parse(line)
    assert parsed.tag == "a1"
    assert parsed.command == expected


@pytest.mark.parametrize(("line", "message"), INVALID, ids=[repr(line[:60]) for line, _ in INVALID])
def test_malformed_mailbox_command_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text


def test_after_enable_utf8_names_are_raw_utf8_and_not_modified_utf7() -> None:
    assert parse(b'a1 SELECT "Entw\xc3\xbcrfe"', utf8=True).command == Select("Entwürfe")
    # RFC 6855 §3: once UTF8=ACCEPT is on, "&" is just a character.
    assert parse(b'a1 SELECT "Entw&APw-rfe"', utf8=True).command == Select("Entw&APw-rfe")


def test_after_enable_utf8_invalid_utf8_in_a_name_is_bad() -> None:
    error = refusal(b'a1 SELECT "Entw\xfcrfe"', utf8=True)
    assert error.tag == "a1"
    assert "not valid UTF-8" in error.client_text


def test_mailbox_name_error_does_not_echo_the_name() -> None:
    error = refusal(b'a1 SELECT "Dossier DUPONT Jean &AGE-"')
    assert "DUPONT" not in error.client_text
    assert "DUPONT" not in error.log_detail
