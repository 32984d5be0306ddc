"""Strict writers: mailbox names, flags, sequence sets, section names and status lines."""

from __future__ import annotations

from mailserver.imap.parser import ParseError, Refused, Section
from mailserver.imap.sequence import NumberSet
from mailserver.imap.wire import (
    error_response,
    flag_list,
    mailbox_name,
    number_set,
    section_spec,
    sequence_text,
    status_response,
)
from tests.mailserver.imap.parser.client_input import parse, refusal


def test_mailbox_name_is_modified_utf7_unless_utf8_is_enabled() -> None:
    assert mailbox_name("Entwürfe") == b"Entw&APw-rfe"
    assert mailbox_name("Mes brouillons") == b'"Mes brouillons"'
    assert mailbox_name("Entwürfe", utf8=True) == '"Entwürfe"'.encode()


def test_written_mailbox_names_parse_back_to_the_same_name() -> None:
    for name in ("Entwürfe", "Tom & Jerry", 'a"b\\c', "台北/日本語", "INBOX", "%*"):
        for utf8 in (False, True):
            command = parse(b"a1 DELETE " + mailbox_name(name, utf8=utf8), utf8=utf8).command
            assert command.mailbox == name  # type: ignore[union-attr]


def test_flag_list() -> None:
    assert flag_list(["\\Seen", "$Forwarded"]) == b"(\\Seen $Forwarded)"
    assert flag_list([]) == b"()"


def test_sequence_sets_for_vanished_and_copyuid() -> None:
    assert number_set(NumberSet.from_numbers([1, 2, 3, 7])) == b"1:3,7"
    assert sequence_text([10, 11, 12, 4]) == b"10:12,4"


def test_section_is_written_as_the_client_named_it() -> None:
    assert section_spec(Section()) == b""
    assert section_spec(Section((1, 2), "MIME")) == b"1.2.MIME"
    assert section_spec(Section((), "HEADER.FIELDS", ("From", "Subject"))) == b"HEADER.FIELDS (From Subject)"
    assert section_spec(Section((3,), "HEADER.FIELDS.NOT", ("X y",))) == b'3.HEADER.FIELDS.NOT ("X y")'


def test_status_line_never_carries_a_line_break() -> None:
    assert status_response("a1", "BAD", "two\r\nlines") == b"a1 BAD two lines\r\n"
    assert status_response(None, "BAD", "Invalid tag") == b"* BAD Invalid tag\r\n"


def test_parse_error_and_refusal_become_tagged_responses() -> None:
    assert error_response(refusal(b"a1 FROB")) == b"a1 BAD Unknown command\r\n"
    assert error_response(refusal(b"+x NOOP")) == b"* BAD Invalid tag\r\n"
    assert (
        error_response(refusal(b"a1 SEARCH CHARSET KOI8-R ALL"))
        == b"a1 NO [BADCHARSET (UTF-8 US-ASCII ISO-8859-1 ISO-8859-15)] Unsupported charset\r\n"
    )
    refused = Refused("a1", "Literal too large", status="NO", code="TOOBIG")
    assert error_response(refused) == b"a1 NO [TOOBIG] Literal too large\r\n"
    assert error_response(ParseError(None, "x")) == b"* BAD x\r\n"
