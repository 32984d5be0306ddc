"""LIST in its basic (RFC 3501) and extended (RFC 5258, RFC 6154, RFC 5819) forms."""

from __future__ import annotations

import pytest

from mailserver.imap.parser import List, ListReturnOption, ListSelectOption, StatusItem
from tests.mailserver.imap.parser.client_input import parse, refusal

SUBSCRIBED = ListSelectOption.SUBSCRIBED
RECURSIVEMATCH = ListSelectOption.RECURSIVEMATCH

VALID: list[tuple[bytes, List]] = [
    (b'a1 LIST "" "*"', List("", ("*",))),
    (b'a1 LIST "" %', List("", ("%",))),
    (b'a1 LIST "" ""', List("", ("",))),  # the hierarchy delimiter request
    (b"a1 LIST ~/Mail/ %", List("~/Mail/", ("%",))),
    (b'a1 LIST "" Entw&APw-rfe/*', List("", ("Entwürfe/*",))),
    (b'a1 list "" inbox', List("", ("INBOX",))),
    (b'a1 LIST (SUBSCRIBED) "" "*"', List("", ("*",), frozenset({SUBSCRIBED}), extended=True)),
    (
        b'a1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)',
        List("", ("%",), frozenset({SUBSCRIBED, RECURSIVEMATCH}), frozenset({ListReturnOption.CHILDREN}), (), True),
    ),
    (
        b'a1 LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)',
        List(
            "",
            ("*",),
            frozenset({ListSelectOption.SPECIAL_USE}),
            frozenset({ListReturnOption.SPECIAL_USE}),
            extended=True,
        ),
    ),
    (b'a1 LIST (REMOTE) "" "*"', List("", ("*",), frozenset({ListSelectOption.REMOTE}), extended=True)),
    (b'a1 LIST () "" ("INBOX" "Drafts" Sent/%)', List("", ("INBOX", "Drafts", "Sent/%"), extended=True)),
    (
        b'a1 LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))',
        List(
            "",
            ("*",),
            return_options=frozenset({ListReturnOption.STATUS}),
            status_items=(StatusItem.MESSAGES, StatusItem.UNSEEN),
            extended=True,
        ),
    ),
    (
        b'a1 LIST "" % RETURN (SUBSCRIBED CHILDREN)',
        List(
            "",
            ("%",),
            return_options=frozenset({ListReturnOption.SUBSCRIBED, ListReturnOption.CHILDREN}),
            extended=True,
        ),
    ),
    (b'a1 LIST "" "*" RETURN ()', List("", ("*",), extended=True)),
]

INVALID: list[tuple[bytes, str]] = [
    (b'a1 LIST (RECURSIVEMATCH) "" "*"', "RECURSIVEMATCH needs another selection option"),
    (b'a1 LIST (REMOTE RECURSIVEMATCH) "" "*"', "RECURSIVEMATCH needs another selection option"),
    (b'a1 LIST (BOGUS) "" "*"', "Unknown LIST selection option"),
    (b'a1 LIST "" "*" RETURN (BOGUS)', "Unknown LIST return option"),
    (b'a1 LIST "" "*" RETURN (STATUS ())', "Empty list of status items"),
    (b'a1 LIST "" "*" RETURN (STATUS)', "Missing"),
    (b'a1 LIST "" ()', "Empty list of patterns"),
    (b'a1 LIST ""', "Missing"),
    (b'a1 LIST "" "*" FOO (X)', "Expected RETURN"),
    (b'a1 LIST "" "*" RETURN CHILDREN', "Expected '('"),
    (b'a1 LIST "" "&Jjo"', "modified UTF-7"),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[repr(line) for line, _ in VALID])
def test_list_parses_to_its_typed_command(line: bytes, expected: List) -> None:
    parsed = parse(line)
    assert parsed.tag == "a1"
    assert parsed.command == expected


@pytest.mark.parametrize(("line", "message"), INVALID, ids=[repr(line) for line, _ in INVALID])
def test_malformed_list_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text
