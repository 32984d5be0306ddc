"""BODY[section] extraction (RFC 3501 §6.4.5): part numbers, MIME, HEADER, TEXT, HEADER.FIELDS and partials."""

from __future__ import annotations

import pytest

from mailserver.message import (
    BadSection,
    Section,
    parse_mime,
    parse_section,
    part_map,
    partial,
    section_bytes,
    summarise,
)
from tests.mailserver.message import samples


def cut(raw: bytes, spec: str) -> bytes:
    return section_bytes(raw, part_map(parse_mime(raw)), spec)


def test_body_1_of_a_multipart_is_the_first_part_content_without_its_mime_header() -> None:
    assert cut(samples.MIXED, "1") == b"Voir les pieces jointes."


def test_body_2_mime_is_the_mime_header_of_part_2_with_its_blank_line() -> None:
    assert cut(samples.MIXED, "2.MIME") == (
        b'Content-Type: application/pdf; name="resultat.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="resultat.pdf"\r\n'
        b"Content-ID: <pdf1@bio>\r\n"
        b"Content-Description: Compte rendu\r\n"
        b"\r\n"
    )


def test_body_text_is_everything_after_the_header_blank_line() -> None:
    raw = samples.MIXED
    assert cut(raw, "TEXT") == raw[raw.index(b"\r\n\r\n") + 4 :]
    assert cut(raw, "TEXT").startswith(b"This is a multi-part message")


def test_body_header_ends_with_the_blank_line_and_empty_section_is_the_whole_message() -> None:
    raw = samples.PLAIN
    assert cut(raw, "HEADER") == raw[: raw.index(b"\r\n\r\n") + 4]
    assert cut(raw, "") == raw


def test_part_1_of_a_non_multipart_message_is_its_body() -> None:
    raw = samples.PLAIN
    assert cut(raw, "1") == b"Bonjour,\r\nle patient est sorti ce matin.\r\n"
    assert cut(raw, "1") == cut(raw, "TEXT")
    assert cut(raw, "2") == b""


def test_nested_rfc822_part_header_and_text_address_the_encapsulated_message() -> None:
    raw = samples.NESTED
    header = cut(raw, "2.HEADER")
    assert header.startswith(b"From: orig@z.fr\r\n")
    assert header.endswith(b'Content-Type: multipart/mixed; boundary="inner"\r\n\r\n')
    assert cut(raw, "2.TEXT").startswith(b"--inner\r\n")
    assert cut(raw, "2") == header + cut(raw, "2.TEXT")
    assert cut(raw, "2.MIME") == b"Content-Type: message/rfc822\r\n\r\n"


def test_numbers_after_an_rfc822_part_address_its_parts() -> None:
    raw = samples.NESTED
    assert cut(raw, "2.1") == b"Original text."
    assert cut(raw, "2.2") == b"AAAA"
    assert cut(raw, "2.2.MIME") == (
        b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=data.bin\r\n\r\n"
    )
    assert cut(raw, "2.3") == b""


def test_header_fields_of_a_nested_message() -> None:
    assert cut(samples.NESTED, "2.HEADER.FIELDS (subject MESSAGE-ID)") == (
        b"Subject: original\r\nMessage-ID: <orig@z.fr>\r\n\r\n"
    )


def test_header_and_text_of_a_part_that_is_not_a_message_are_empty() -> None:
    assert cut(samples.MIXED, "1.HEADER") == b""
    assert cut(samples.MIXED, "1.TEXT") == b""


def test_single_part_rfc822_message_inside_a_message() -> None:
    raw = samples.crlf("Content-Type: message/rfc822\n\nSubject: in\nX-A: 1\n\ninner body\n")
    assert cut(raw, "1") == b"Subject: in\r\nX-A: 1\r\n\r\ninner body\r\n"
    assert cut(raw, "1.HEADER") == b"Subject: in\r\nX-A: 1\r\n\r\n"
    assert cut(raw, "1.1") == b"inner body\r\n"


def test_summary_layout_serves_sections_without_the_tree() -> None:
    summary = summarise(samples.NESTED)
    assert section_bytes(samples.NESTED, summary.layout, "2.2") == b"AAAA"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", Section()),
        ("1.2.MIME", Section((1, 2), "MIME")),
        ('header.fields (From "To")', Section((), "HEADER.FIELDS", ("From", "To"))),
        ("3.HEADER.FIELDS.NOT (Received)", Section((3,), "HEADER.FIELDS.NOT", ("Received",))),
        ("4.TEXT", Section((4,), "TEXT")),
    ],
)
def test_section_specifications_parse(spec: str, expected: Section) -> None:
    assert parse_section(spec) == expected


@pytest.mark.parametrize(
    "spec", ["MIME", "0", "1.", ".1", "1..2", "FOO", "1.2.MIMEX", "HEADER.FIELDS", "HEADER.FIELDS ()", "TEXT (a)"]
)
def test_malformed_section_specifications_are_refused(spec: str) -> None:
    with pytest.raises(BadSection) as caught:
        parse_section(spec)
    assert caught.value.client_text == "invalid section" or "HEADER.FIELDS" in caught.value.client_text


def test_partial_returns_at_most_length_octets_from_origin() -> None:
    data = b"0123456789"
    assert partial(data, 2, 3) == b"234"
    assert partial(data, 8, 10) == b"89"
    assert partial(data, 20, 5) == b""
    assert partial(data, 4) == b"456789"


def test_mime_header_of_part_1_of_a_single_part_message_is_the_message_header() -> None:
    raw = samples.PLAIN
    assert cut(raw, "1.MIME") == cut(raw, "HEADER")


def test_digest_parts_default_to_message_rfc822() -> None:
    raw = samples.crlf(
        "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody1\n"
        "--d\nContent-Type: text/plain\n\nnot a message\n--d--\n"
    )
    assert cut(raw, "1.MIME") == b"\r\n"
    assert cut(raw, "1") == b"Subject: one\r\n\r\nbody1"
    assert cut(raw, "1.1") == b"body1"
    assert cut(raw, "2.1") == b""


def test_a_leaf_part_has_no_sub_parts() -> None:
    assert cut(samples.PLAIN, "1.1") == b""
    assert cut(samples.MIXED, "1.1") == b""
