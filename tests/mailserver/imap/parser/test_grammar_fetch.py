"""FETCH: data items, macros, sections with header lists and partials, BINARY, and the CONDSTORE/QRESYNC modifiers."""

from __future__ import annotations

import pytest

from mailserver.imap.parser import (
    WHOLE_MESSAGE,
    Fetch,
    FetchAttribute,
    FetchBinary,
    FetchBinarySize,
    FetchBody,
    Partial,
    Section,
    SectionText,
)
from mailserver.imap.sequence import SequenceSet
from tests.mailserver.imap.parser.client_input import parse, refusal

A = FetchAttribute
S = SequenceSet.parse

VALID: list[tuple[bytes, Fetch]] = [
    (b"a1 FETCH 1 FLAGS", Fetch(S("1"), (A.FLAGS,))),
    (b"a1 FETCH 1:* (UID FLAGS)", Fetch(S("1:*"), (A.UID, A.FLAGS))),
    (b"a1 fetch 1 all", Fetch(S("1"), (A.FLAGS, A.INTERNALDATE, A.RFC822_SIZE, A.ENVELOPE))),
    (b"a1 FETCH 1 FAST", Fetch(S("1"), (A.FLAGS, A.INTERNALDATE, A.RFC822_SIZE))),
    (b"a1 FETCH 1 FULL", Fetch(S("1"), (A.FLAGS, A.INTERNALDATE, A.RFC822_SIZE, A.ENVELOPE, A.BODY))),
    (
        b"a1 FETCH 2 (RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE ENVELOPE INTERNALDATE BODYSTRUCTURE BODY MODSEQ)",
        Fetch(
            S("2"),
            (
                A.RFC822,
                A.RFC822_HEADER,
                A.RFC822_TEXT,
                A.RFC822_SIZE,
                A.ENVELOPE,
                A.INTERNALDATE,
                A.BODYSTRUCTURE,
                A.BODY,
                A.MODSEQ,
            ),
        ),
    ),
    (b"a1 FETCH 1 BODY[]", Fetch(S("1"), (FetchBody(WHOLE_MESSAGE),))),
    (
        b"a1 FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100>)",
        Fetch(
            S("1"),
            (FetchBody(Section((), "HEADER.FIELDS", ("From", "Subject")), peek=True, partial=Partial(0, 100)),),
        ),
    ),
    (
        b'a1 fetch 1 (body.peek[header.fields ("X-Mailer" date {12+}\r\nCONTENT-TYPE)])',
        Fetch(S("1"), (FetchBody(Section((), "HEADER.FIELDS", ("X-Mailer", "date", "CONTENT-TYPE")), peek=True),)),
    ),
    (
        b"a1 FETCH 1 (BODY[TEXT] BODY[1.2.MIME] BODY.PEEK[1.HEADER] BODY[HEADER.FIELDS.NOT (Received)] BODY[3])",
        Fetch(
            S("1"),
            (
                FetchBody(Section((), SectionText.TEXT)),
                FetchBody(Section((1, 2), SectionText.MIME)),
                FetchBody(Section((1,), SectionText.HEADER), peek=True),
                FetchBody(Section((), SectionText.HEADER_FIELDS_NOT, ("Received",))),
                FetchBody(Section((3,))),
            ),
        ),
    ),
    (b"a1 FETCH 1 BODY[]<1024.4096>", Fetch(S("1"), (FetchBody(WHOLE_MESSAGE, partial=Partial(1024, 4096)),))),
    (
        b"a1 FETCH 1 (BINARY[1] BINARY.PEEK[1.2]<0.1024> BINARY.SIZE[2] BINARY[])",
        Fetch(
            S("1"),
            (
                FetchBinary((1,)),
                FetchBinary((1, 2), peek=True, partial=Partial(0, 1024)),
                FetchBinarySize((2,)),
                FetchBinary(()),
            ),
        ),
    ),
    (b"a1 FETCH $ (FLAGS)", Fetch(SequenceSet((), saved=True), (A.FLAGS,))),
    (b"a1 FETCH 1 ()", Fetch(S("1"), ())),
    (b"a1 FETCH 1 ( FLAGS  UID )", Fetch(S("1"), (A.FLAGS, A.UID))),
    (b"a1 FETCH 1 (FLAGS) (CHANGEDSINCE 12345)", Fetch(S("1"), (A.FLAGS,), changed_since=12345)),
    (
        b"a1 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
        Fetch(S("1:*"), (A.FLAGS,), uid=True, changed_since=12345, vanished=True),
    ),
    (b"a1 UID FETCH 300:* ENVELOPE", Fetch(S("300:*"), (A.ENVELOPE,), uid=True)),
]

INVALID: list[tuple[bytes, str]] = [
    (b"a1 FETCH", "Missing"),
    (b"a1 FETCH 1", "Missing"),
    (b"a1 FETCH 1 (FOO)", "Unknown fetch item"),
    (b"a1 FETCH 1 (FLAGS ALL)", "Macro inside a fetch list"),
    (b"a1 FETCH 1 (FLAGS", "Expected ')'"),
    (b"a1 FETCH 1 BODY.PEEK", "Unknown fetch item"),
    (b"a1 FETCH 1 FLAGS[]", "Unknown fetch item"),
    (b"a1 FETCH 1 BODY[MIME]", "MIME needs a part number"),
    (b"a1 FETCH 1 BODY[HEADER.FIELDS ()]", "Empty list of header fields"),
    (b"a1 FETCH 1 BODY[HEADER.FIELDS]", "Expected a space"),
    (b"a1 FETCH 1 BODY[HEADER.FIELDS (Subject:)]", "Invalid header field name"),
    (b"a1 FETCH 1 BODY[1.]", "Expected section text"),
    (b"a1 FETCH 1 BODY[0]", "Zero is not allowed"),
    (b"a1 FETCH 1 BODY[BOGUS]", "Expected section text"),
    (b"a1 FETCH 1 BODY[TEXT", "Expected ']'"),
    (b"a1 FETCH 1 BODY[]<0.0>", "Zero is not allowed"),
    (b"a1 FETCH 1 BODY[]<5>", "Expected '.'"),
    (b"a1 FETCH 1 BINARY[1.TEXT]", "BINARY takes part numbers only"),
    (b"a1 FETCH 1 (FLAGS) (CHANGEDSINCE)", "Missing"),
    (b"a1 FETCH 1 (FLAGS) (FOO)", "Unknown FETCH modifier"),
    (b"a1 FETCH 1 (FLAGS) ()", "Empty list of FETCH modifiers"),
    (b"a1 UID FETCH 1 (FLAGS) (VANISHED)", "VANISHED needs UID FETCH and CHANGEDSINCE"),
    (b"a1 FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)", "VANISHED needs UID FETCH and CHANGEDSINCE"),
    (b"a1 FETCH 1:* X-GM-MSGID", "Unknown fetch item"),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[repr(line) for line, _ in VALID])
def test_fetch_parses_to_its_typed_command(line: bytes, expected: Fetch) -> None:
    parsed = parse(line)
    assert parsed.tag == "a1"
    assert parsed.command == expected


@pytest.mark.parametrize(("line", "message"), INVALID, ids=[repr(line) for line, _ in INVALID])
def test_malformed_fetch_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text


def test_fetch_section_is_the_message_layer_section_and_keeps_field_case() -> None:
    command = parse(b"a1 FETCH 1 BODY.PEEK[HEADER.FIELDS (message-ID)]").command
    assert isinstance(command, Fetch)
    item = command.items[0]
    assert isinstance(item, FetchBody)
    assert type(item.section) is Section
    assert item.section.fields == ("message-ID",)
