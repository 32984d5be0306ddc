"""MIME delimiter lines (RFC 2046 §5.1.1) are found by bytes.find and checked where found: the same lines as the
MULTILINE regex the splitter used before, which a property test holds it to, and a large attachment costs a
scan at memchr speed instead of the regex's."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailserver.message import mime

PIECES = [b"--", b"-", b"b", b"bb", b"\r", b"\n", b"\r\n", b" ", b"\t", b"x", b"--b", b"\n--b", b"\r\n--bb--"]


def _regex_delimiters(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int, bool]]:
    delimiter = re.compile(rb"^--" + re.escape(boundary) + rb"(--|[ \t\r]*(?:\n|\Z))", re.MULTILINE)
    found = []
    pos = start
    while (match := delimiter.search(raw, pos, end)) is not None:
        found.append((match.start(), match.end(), match.group(1) == b"--"))
        if match.group(1) == b"--":
            break
        pos = match.end()
    return found


def _found_delimiters(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int, bool]]:
    found = []
    pos = start
    while (hit := mime._next_delimiter(raw, pos, end, b"--" + boundary)) is not None:
        found.append(hit)
        if hit[2]:
            break
        pos = hit[1]
    return found


@settings(max_examples=600)
@given(
    st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join),
    st.sampled_from([b"b", b"bb", b"x-y"]),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=60),
)
def test_delimiters_are_the_lines_the_multiline_regex_finds(raw: bytes, boundary: bytes, a: int, b: int) -> None:
    start, end = sorted((min(a, len(raw)), min(b, len(raw))))
    assert _found_delimiters(raw, start, end, boundary) == _regex_delimiters(raw, start, end, boundary)


def test_a_message_with_a_large_attachment_splits_into_its_parts() -> None:
    attachment = b"QUJD" * 19 + b"\r\n"
    raw = (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n"
        b"preamble\r\n--BB\r\nContent-Type: text/plain\r\n\r\nhello\r\nworld\r\n"
        b"--BB \t\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + attachment * 50_000
        + b"--BBnot-a-delimiter\r\n--BB--trailing junk\r\nepilogue\r\n"
    )
    tree = mime.parse_mime(raw)
    text, pdf = tree.children
    assert raw[text.body_start : text.end] == b"hello\r\nworld"
    assert text.lines == 1
    assert raw[pdf.body_start : pdf.end].endswith(b"\r\n--BBnot-a-delimiter")
    assert pdf.lines == 0 and tree.lines == 0  # body-fld-lines exists for text and message/rfc822 parts only
